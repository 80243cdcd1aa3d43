/*
 * attr: the compiler attributes every header uses.  Library functions
 * whose result says whether they worked are marked WUR, so that a
 * caller cannot drop an error by accident.
 */
#ifndef MKT_ATTR_H
#define MKT_ATTR_H

#define ERR_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define WUR __attribute__((warn_unused_result))

#endif
