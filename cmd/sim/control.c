/*
 * control.c: the control messages clients send: Binance SUBSCRIBE,
 * UNSUBSCRIBE, LIST_SUBSCRIPTIONS, SET_PROPERTY; Bybit subscribe,
 * unsubscribe, ping.
 */



#include <stdio.h>
#include <string.h>

#include "sim.h"

/* ---------------------------------------------------------------- */
/* Control messages */

/* The id of a Binance request echoed back: number, string or null. */
static void
put_req_id(struct buf *b, const struct json_span *id)
{
	if (id && id->type == JSON_STRING) {
		buf_addc(b, '"');
		buf_add(b, id->p, id->n);
		buf_addc(b, '"');
	} else if (id && id->type == JSON_NUMBER) {
		buf_add(b, id->p, id->n);
	} else {
		buf_adds(b, "null");
	}
}

static void
bn_reply_error(struct conn *c, int code, const char *msg,
    const struct json_span *id)
{
	struct buf *b = &c->sim->out;

	buf_reset(b);
	put_key_int(b, "{\"error\":{\"code\":", code);
	buf_adds(b, ",\"msg\":");
	buf_add_jstr(b, msg, strlen(msg));
	buf_adds(b, "},\"id\":");
	put_req_id(b, id);
	buf_addc(b, '}');
	conn_send_out(c);
}

static void
bn_reply_result(struct conn *c, const char *result, const struct json_span *id)
{
	struct buf *b = &c->sim->out;

	buf_reset(b);
	buf_adds(b, "{\"result\":");
	buf_adds(b, result);
	buf_adds(b, ",\"id\":");
	put_req_id(b, id);
	buf_addc(b, '}');
	conn_send_out(c);
}

static void
bn_list(struct conn *c, const struct json_span *id)
{
	struct buf *b = &c->sim->out;
	size_t i;

	buf_reset(b);
	buf_adds(b, "{\"result\":[");
	for (i = 0; i < c->nsubs; i++) {
		if (i)
			buf_addc(b, ',');
		buf_add_jstr(b, c->subs[i].name, strlen(c->subs[i].name));
	}
	buf_adds(b, "],\"id\":");
	put_req_id(b, id);
	buf_addc(b, '}');
	conn_send_out(c);
}

static int
json_count(const struct json_span *arr)
{
	struct json_iter it;
	struct json_span v;
	int n = 0;

	json_iter_init(&it, arr);
	while (json_next(&it, &v))
		n++;
	return n;
}

/* SUBSCRIBE / UNSUBSCRIBE: every name is checked before any is used. */
static void
bn_subscribe(struct conn *c, const struct json_span *params,
    const struct json_span *id, int add)
{
	struct json_iter it;
	struct json_span v;
	char name[128];
	struct sub sub;
	int pass;

	if (!params || params->type != JSON_ARRAY) {
		bn_reply_error(c, 2, "Invalid request: missing params", id);
		return;
	}
	if (add && c->nsubs + (size_t)json_count(params) > SUBS_MAX) {
		bn_reply_error(c, 2, "Invalid request: too many streams", id);
		return;
	}
	for (pass = 0; pass < 2; pass++) {
		json_iter_init(&it, params);
		while (json_next(&it, &v)) {
			if (v.type != JSON_STRING ||
			    json_str_copy(&v, name, sizeof name) < 0 ||
			    (add &&
			    bn_parse_stream(c->sim, c, name, &sub) < 0)) {
				bn_reply_error(c, 2, "Invalid request: "
				    "invalid stream name", id);
				return;
			}
			if (pass == 0)
				continue;
			if (!add)
				conn_del_sub(c, name);
			else if (conn_add_sub(c, &sub) < 0)
				break;
		}
	}
	bn_reply_result(c, "null", id);
}

static void
bn_property(struct conn *c, const struct json_span *params,
    const struct json_span *id, int set)
{
	struct json_iter it;
	struct json_span v[2];
	int n = 0;

	if (params && params->type == JSON_ARRAY) {
		json_iter_init(&it, params);
		while (n < 2 && json_next(&it, &v[n]))
			n++;
	}
	if (n < 1 || !json_str_is(&v[0], "combined")) {
		bn_reply_error(c, 0, "Unknown property", id);
		return;
	}
	if (!set) {
		bn_reply_result(c, c->combined ? "true" : "false", id);
		return;
	}
	if (n < 2 || (v[1].type != JSON_TRUE && v[1].type != JSON_FALSE)) {
		bn_reply_error(c, 1, "Invalid value type: expected Boolean",
		    id);
		return;
	}
	c->combined = v[1].type == JSON_TRUE;
	bn_reply_result(c, "null", id);
}

void
bn_control(struct conn *c, const char *p, size_t n)
{
	struct json_obj o;
	const struct json_span *method, *params, *id;
	const char *why;
	size_t where;

	if (json_parse_object(p, n, &o, &why, &where) < 0) {
		bn_reply_error(c, 3, "Invalid JSON", NULL);
		return;
	}
	method = json_get(&o, "method");
	params = json_get(&o, "params");
	id = json_get(&o, "id");
	if (method && json_str_is(method, "SUBSCRIBE"))
		bn_subscribe(c, params, id, 1);
	else if (method && json_str_is(method, "UNSUBSCRIBE"))
		bn_subscribe(c, params, id, 0);
	else if (method && json_str_is(method, "LIST_SUBSCRIPTIONS"))
		bn_list(c, id);
	else if (method && json_str_is(method, "SET_PROPERTY"))
		bn_property(c, params, id, 1);
	else if (method && json_str_is(method, "GET_PROPERTY"))
		bn_property(c, params, id, 0);
	else
		bn_reply_error(c, 2, "Invalid request: unknown method", id);
}

/* {"success":..,"ret_msg":..,"conn_id":..,"req_id":..,"op":..} */
static void
by_reply(struct conn *c, int ok, const char *msg, const char *req_id,
    const char *op)
{
	struct buf *b = &c->sim->out;

	buf_reset(b);
	buf_adds(b, ok ? "{\"success\":true" : "{\"success\":false");
	buf_adds(b, ",\"ret_msg\":");
	buf_add_jstr(b, msg, strlen(msg));
	put_key_int(b, ",\"conn_id\":\"mktsim-", (int64_t)c->id);
	buf_addc(b, '"');
	if (req_id) {
		buf_adds(b, ",\"req_id\":");
		buf_add_jstr(b, req_id, strlen(req_id));
	}
	buf_adds(b, ",\"op\":");
	buf_add_jstr(b, op, strlen(op));
	buf_addc(b, '}');
	conn_send_out(c);
}

/* Check every topic of a (un)subscribe; NULL, or the error message
 * (in msg). */
static const char *
by_check_args(struct conn *c, const struct json_span *args, char *msg,
    size_t cap)
{
	struct json_iter it;
	struct json_span v;
	char t[128];
	struct sub sub;

	if (!args || args->type != JSON_ARRAY)
		return "error:args missing";
	if (c->mk == MK_BY_SPOT && json_count(args) > BYBIT_SPOT_ARGS_MAX)
		return "error:args size >10";
	if (c->nsubs + (size_t)json_count(args) > SUBS_MAX)
		return "error:too many topics";
	json_iter_init(&it, args);
	while (json_next(&it, &v)) {
		if (v.type == JSON_STRING &&
		    json_str_copy(&v, t, sizeof t) >= 0 &&
		    by_parse_topic(c->sim, c, t, &sub) == 0)
			continue;
		snprintf(msg, cap, "error:handler not found,topic:%.100s",
		    v.type == JSON_STRING ? t : "?");
		return msg;
	}
	return NULL;
}

/* Subscribe: the ack, then a snapshot for each new order book topic. */
static void
by_subscribe(struct conn *c, const struct json_span *args,
    const char *req_id, int add)
{
	const char *op = add ? "subscribe" : "unsubscribe";
	struct json_iter it;
	struct json_span v;
	struct sub sub;
	char t[128];
	size_t first = c->nsubs, i;
	const char *err;
	char msg[192];

	err = by_check_args(c, args, msg, sizeof msg);
	if (err) {
		by_reply(c, 0, err, req_id, op);
		return;
	}
	json_iter_init(&it, args);
	while (json_next(&it, &v)) {
		if (json_str_copy(&v, t, sizeof t) < 0 ||
		    by_parse_topic(c->sim, c, t, &sub) < 0)
			continue;
		if (!add)
			conn_del_sub(c, t);
		else if (conn_add_sub(c, &sub) < 0)
			break;
	}
	by_reply(c, 1, "", req_id, op);
	for (i = add ? first : c->nsubs; i < c->nsubs; i++) {
		if (c->subs[i].kind != SUB_BY_BOOK)
			continue;
		buf_reset(&c->sim->out);
		by_render_book(&c->sim->out, c->subs[i].in, &c->subs[i], 1);
		conn_send_out(c);
	}
}

void
by_control(struct conn *c, const char *p, size_t n)
{
	struct json_obj o;
	const struct json_span *op, *rid;
	char req_id[128], opname[32];
	const char *why;
	size_t where;

	if (json_parse_object(p, n, &o, &why, &where) < 0) {
		by_reply(c, 0, "error:request not json", NULL, "");
		return;
	}
	rid = json_get(&o, "req_id");
	if (!rid || rid->type != JSON_STRING ||
	    json_str_copy(rid, req_id, sizeof req_id) < 0)
		req_id[0] = '\0';
	op = json_get(&o, "op");
	if (!op || op->type != JSON_STRING ||
	    json_str_copy(op, opname, sizeof opname) < 0)
		opname[0] = '\0';
	if (strcmp(opname, "subscribe") == 0 ||
	    strcmp(opname, "unsubscribe") == 0)
		by_subscribe(c, json_get(&o, "args"), rid ? req_id : NULL,
		    opname[0] == 's');
	else if (strcmp(opname, "ping") == 0)
		by_reply(c, 1, "pong", rid ? req_id : NULL, "ping");
	else
		by_reply(c, 0, "error:invalid op", rid ? req_id : NULL,
		    opname);
}
