/*
 * app.js: the chart page of mkt-serve (mkt-serve(1)).
 *
 * The page's state is its query string (venue, market, symbol, pct,
 * unit, range, and from/to to pin a range), so a view is a link.  It
 * charts, from /api/chart-data: the bid and ask band of the symbol on
 * every market the journal has it on (spot beside futures), their
 * imbalance, and the venue's sums TOTAL, TOTAL1 and TOTAL2; from
 * /api/candles, the candlesticks and volume of the chosen market when
 * the journal has candles of it; it lists
 * the state store's orders, positions and fills when mkt-serve has one,
 * and follows /api/stream (server-sent events) when it answers.
 *
 * #status says what the page holds, for people and for tests:
 * "points: VENUE:MARKET:SYMBOL:FIELD=N ...", counted from the chart
 * series themselves (FIELD "candles" and "volume" for the candlesticks),
 * then "candles: none" when there are none, "orders: N" and so on, or
 * "error: ...".
 * #live says what the stream brought: "live: on; applied: N; bid: P;
 * ask: P; last: KEY=V ...", the events applied, the book table's best
 * bid and ask, and the last point of each series a live band moved,
 * read back from the table and the series.
 */
(function () {
	"use strict";

	var LC = window.LightweightCharts;
	var params = new URLSearchParams(location.search);
	var RANGES = { "6h": 6 * 3600e3, "1d": 86400e3, "7d": 7 * 86400e3,
		"30d": 30 * 86400e3 };
	var SUMS = ["TOTAL", "TOTAL1", "TOTAL2"];
	var COLORS = ["#26a69a", "#ef5350", "#2962ff", "#ff9800", "#8e24aa",
		"#6d4c41"];

	var symbols = [];	/* /api/symbols' rows */
	var series = {};	/* "venue:market:symbol:field" -> series */
	var charts = [];
	var counts = [];	/* [key, series] in the order charted */
	var tail = [];		/* status parts after the points */
	var live = { applied: 0, moved: [] };	/* for #live */

	function $(id) { return document.getElementById(id); }

	function setStatus(text, bad) {
		var s = $("status");
		s.textContent = text;
		s.className = bad ? "error" : "";
	}

	function fail(err) {
		setStatus("error: " + (err && err.message ? err.message : err),
		    true);
	}

	/* GET path as JSON; a non-2xx answer rejects with its error. */
	function getJSON(path) {
		return fetch(path).then(function (res) {
			return res.json().catch(function () {
				return {};
			}).then(function (body) {
				if (!res.ok) {
					var e = new Error(path + ": " + res.status +
					    " " + (body.error || res.statusText));
					e.status = res.status;
					throw e;
				}
				return body;
			});
		});
	}

	function query(obj) {
		var q = new URLSearchParams();
		Object.keys(obj).forEach(function (k) {
			if (obj[k] !== undefined && obj[k] !== null && obj[k] !== "")
				q.set(k, obj[k]);
		});
		return q.toString();
	}

	/* ------------------------------------------------------------ */
	/* The pickers */

	function option(sel, value, label) {
		var o = document.createElement("option");
		o.value = value;
		o.textContent = label === undefined ? value : label;
		sel.appendChild(o);
	}

	function uniq(list) {
		return list.filter(function (v, i) { return list.indexOf(v) === i; });
	}

	/* Spot first: the page shows it beside the derivatives. */
	function rowsOf(venue, symbol) {
		return symbols.filter(function (r) {
			return r.venue === venue && r.symbol === symbol;
		}).sort(function (a, b) {
			return (a.market !== "spot") - (b.market !== "spot") ||
			    (a.market < b.market ? -1 : a.market > b.market);
		});
	}

	/* The instrument the query string names, else the first one. */
	function chosen() {
		var venue = params.get("venue"), symbol = params.get("symbol");
		var market = params.get("market"), row;

		row = symbols.filter(function (r) {
			return (!venue || r.venue === venue) &&
			    (!symbol || r.symbol === symbol) &&
			    (!market || r.market === market) &&
			    (symbol || SUMS.indexOf(r.symbol) < 0);
		})[0];
		if (row && !market)
			row = rowsOf(row.venue, row.symbol)[0];
		return row || symbols[0];
	}

	function fillPickers(row) {
		var sym = $("symbol"), mkt = $("market"), pct = $("pct"), r;

		uniq(symbols.map(function (r) {
			return r.venue + ":" + r.symbol;
		})).forEach(function (vs) {
			option(sym, vs, vs.replace(":", " "));
		});
		sym.value = row.venue + ":" + row.symbol;
		rowsOf(row.venue, row.symbol).forEach(function (r) {
			option(mkt, r.market);
		});
		mkt.value = row.market;
		(row.pcts || []).forEach(function (p) {
			option(pct, String(p), p + " %");
		});
		pct.value = params.get("pct") || String((row.pcts || [1.5])[0]);
		$("unit").value = params.get("unit") === "qty" ? "qty" : "value";
		r = params.get("range");
		$("range").value = RANGES[r] || r === "all" ? r : "1d";
		["symbol", "market", "pct", "unit", "range"].forEach(function (id) {
			$(id).addEventListener("change", repick);
		});
	}

	/* A new pick: a new query string (without a pinned range), reload. */
	function repick() {
		var vs = $("symbol").value.split(":");
		var q = {
			venue: vs[0], symbol: vs[1], market: $("market").value,
			pct: $("pct").value, unit: $("unit").value,
			range: $("range").value, live: params.get("live")
		};
		if (rowsOf(vs[0], vs[1]).every(function (r) {
			return r.market !== q.market;
		}))
			delete q.market;
		location.search = query(q);
	}

	/* ------------------------------------------------------------ */
	/* The charts */

	function newChart(el) {
		var c = LC.createChart(el, {
			autoSize: true,
			layout: { attributionLogo: true },
			timeScale: { timeVisible: true, secondsVisible: false },
			rightPriceScale: { scaleMargins: { top: 0.1, bottom: 0.1 } }
		});
		charts.push(c);
		return c;
	}

	function panel(parent, title) {
		var div = document.createElement("div"), h, el;

		div.className = "panel";
		h = document.createElement("h2");
		h.textContent = title;
		el = document.createElement("div");
		el.className = "chart";
		div.appendChild(h);
		div.appendChild(el);
		parent.appendChild(div);
		return el;
	}

	/* The range to ask for: pinned by from/to, else the last RANGE of
	 * what the journal holds (not of now: a journal may be old). */
	function range(row) {
		var r = $("range").value;

		if (params.get("from") || params.get("to"))
			return { from: params.get("from"), to: params.get("to") };
		if (!RANGES[r] || !row.newest)
			return {};
		return { from: Math.max(row.oldest || 0, row.newest - RANGES[r]),
			to: row.newest };
	}

	/* One line: its points from the API, then drawn. */
	function line(chart, row, field, opts, span) {
		var key = [row.venue, row.market, row.symbol, field].join(":");
		var s = chart.addSeries(LC.LineSeries, Object.assign({
			lineWidth: 2, priceLineVisible: false
		}, opts));
		var q = query({
			venue: row.venue, market: row.market, symbol: row.symbol,
			pct: $("pct").value, field: field,
			from: span.from, to: span.to
		});

		series[key] = s;
		counts.push([key, s]);
		return getJSON("/api/chart-data?" + q).then(function (body) {
			s.setData(body.data.map(function (p) {
				return { time: p.time, value: Number(p.value) };
			}));
			/* The whole range asked for, not the last bars. */
			chart.timeScale().fitContent();
		});
	}

	function drawMarkets(row, span) {
		var unit = $("unit").value, jobs = [];

		rowsOf(row.venue, row.symbol).forEach(function (r) {
			var c = newChart(panel($("markets"), r.venue + " " +
			    r.market + " " + r.symbol + " \u00b1" +
			    $("pct").value + " % (" + unit + ")"));
			jobs.push(line(c, r, "bid_" + unit,
			    { color: COLORS[0], title: "bid" }, span));
			jobs.push(line(c, r, "ask_" + unit,
			    { color: COLORS[1], title: "ask" }, span));
		});
		return jobs;
	}

	function drawImbalance(row, span) {
		var c = newChart($("imbalance"));
		var field = $("unit").value === "qty" ? "imbalance" :
		    "value_imbalance";

		return rowsOf(row.venue, row.symbol).map(function (r, i) {
			return line(c, r, field, { color: COLORS[2 + i % 4],
			    title: r.market }, span);
		});
	}

	/* The venue's sums on the chosen market, as values (they have no
	 * quantities). */
	function drawSums(row, span) {
		var have = symbols.filter(function (r) {
			return r.venue === row.venue && r.market === row.market &&
			    SUMS.indexOf(r.symbol) >= 0;
		}), c, jobs = [];

		$("sums-title").textContent = row.venue + " " + row.market +
		    " TOTAL, TOTAL1, TOTAL2 (value)";
		if (!have.length)
			return jobs;
		c = newChart($("sums"));
		have.forEach(function (r, i) {
			jobs.push(line(c, r, "bid_value", { color: COLORS[2 + i],
			    title: r.symbol + " bid" }, span));
			jobs.push(line(c, r, "ask_value", { color: COLORS[2 + i],
			    lineStyle: 2, title: r.symbol + " ask" }, span));
		});
		return jobs;
	}

	/* The candlesticks and their volume, of the chosen market, when the
	 * journal has candles of it (404: none, the panel stays hidden). */
	function drawCandles(row, span) {
		var key = [row.venue, row.market, row.symbol].join(":");
		var q = query({
			venue: row.venue, market: row.market, symbol: row.symbol,
			from: span.from, to: span.to
		});

		return getJSON("/api/candles?" + q).then(function (body) {
			var c, cs, vs;

			$("candles-panel").hidden = false;
			$("candles-title").textContent = row.venue + " " +
			    row.market + " " + row.symbol + " candles";
			c = newChart($("candles"));
			cs = c.addSeries(LC.CandlestickSeries, {
				upColor: COLORS[0], downColor: COLORS[1],
				borderVisible: false, wickUpColor: COLORS[0],
				wickDownColor: COLORS[1]
			});
			vs = c.addSeries(LC.HistogramSeries, {
				priceScaleId: "volume", priceFormat: { type: "volume" }
			});
			c.priceScale("volume").applyOptions({
				scaleMargins: { top: 0.8, bottom: 0 }
			});
			cs.setData(body.data.map(function (k) {
				return { time: Math.floor(k.time / 1000),
				    open: Number(k.open), high: Number(k.high),
				    low: Number(k.low), close: Number(k.close) };
			}));
			vs.setData(body.data.map(function (k) {
				return { time: Math.floor(k.time / 1000),
				    value: Number(k.volume),
				    color: Number(k.close) >= Number(k.open) ?
				    COLORS[0] : COLORS[1] };
			}));
			counts.push([key + ":candles", cs], [key + ":volume", vs]);
			c.timeScale().fitContent();
		}, function (err) {
			if (err.status !== 404)
				throw err;
			tail.push("candles: none");
		});
	}

	/* ------------------------------------------------------------ */
	/* The state store's tables */

	function fmtTime(ms) {
		return ms ? new Date(ms).toISOString().replace(".000Z", "Z") : "";
	}

	function cell(tr, v, cls) {
		var td = document.createElement("td");
		td.textContent = v === null || v === undefined ? "" : String(v);
		if (cls)
			td.className = cls;
		tr.appendChild(td);
	}

	function table(name, cols) {
		return getJSON("/api/" + name).then(function (body) {
			var tbody = $(name).tBodies[0];
			body.data.forEach(function (row) {
				var tr = document.createElement("tr");
				if (row.id)
					tr.dataset.id = row.id;
				cols.forEach(function (c) {
					cell(tr, typeof c === "function" ? c(row) :
					    row[c], c === "side" ? row.side : "");
				});
				tbody.appendChild(tr);
			});
			$("store").hidden = false;
			tail.push(name + ": " + body.data.length);
		}, function (err) {
			/* No --state: the tables stay hidden. */
			if (err.status !== 404)
				throw err;
		});
	}

	function drawStore() {
		return [
			table("orders", ["id", "venue", "market", "symbol", "side",
			    "kind", "qty", "price", "state", "filled_qty",
			    function (r) { return fmtTime(r.created); }]),
			table("positions", ["venue", "market", "symbol", "qty",
			    "entry_price", "realized_pnl",
			    function (r) { return fmtTime(r.updated); }]),
			table("fills", [function (r) { return fmtTime(r.time); },
			    "venue", "market", "symbol", "side", "price", "qty",
			    "fee", "client_id"])
		];
	}

	/* ------------------------------------------------------------ */
	/* Live updates */

	/* A point's time in the bucket of the series' last two points (a
	 * minute when it has fewer), never before its last: update() takes
	 * only the last point or a later one. */
	function bucketTime(s, ms) {
		var d = s.data(), step = 60, t;

		if (d.length >= 2)
			step = d[d.length - 1].time - d[d.length - 2].time || 60;
		t = Math.floor(ms / 1000 / step) * step;
		return d.length && t < d[d.length - 1].time ? null : t;
	}

	function bandValue(b, field) {
		var bq = Number(b.bid_qty), aq = Number(b.ask_qty);
		var bv = Number(b.bid_value), av = Number(b.ask_value);

		if (field === "imbalance")
			return bq + aq ? 100 * (bq - aq) / (bq + aq) : 0;
		if (field === "value_imbalance")
			return bv + av ? 100 * (bv - av) / (bv + av) : 0;
		return b[field] === undefined ? null : Number(b[field]);
	}

	/* The band of the picked pct drawn on the series of its
	 * instrument; the keys of the series it moved. */
	function onBands(ev) {
		var pct = Number($("pct").value), band, moved = [];

		band = (ev.bands || []).filter(function (b) {
			return Number(b.pct) === pct;
		})[0];
		if (!band)
			return moved;
		Object.keys(series).forEach(function (key) {
			var k = key.split(":"), v, t;
			if (k[0] !== ev.venue || k[1] !== ev.market ||
			    k[2] !== ev.symbol)
				return;
			v = bandValue(band, k[3]);
			t = bucketTime(series[key], Number(ev.time));
			if (v !== null && isFinite(v) && t !== null) {
				series[key].update({ time: t, value: v });
				moved.push(key);
			}
		});
		return moved;
	}

	function onBook(ev, row) {
		var tbody = $("book").tBodies[0], i, tr;
		var bids = ev.bids || [], asks = ev.asks || [];

		if (ev.venue !== row.venue || ev.market !== row.market ||
		    ev.symbol !== row.symbol)
			return false;
		tbody.textContent = "";
		for (i = 0; i < 20 && (i < bids.length || i < asks.length); i++) {
			tr = document.createElement("tr");
			cell(tr, bids[i] ? bids[i][1] : "");
			cell(tr, bids[i] ? bids[i][0] : "", "buy");
			cell(tr, asks[i] ? asks[i][0] : "", "sell");
			cell(tr, asks[i] ? asks[i][1] : "");
			tbody.appendChild(tr);
		}
		$("book-panel").hidden = false;
		return true;
	}

	function setLive(text) {
		$("live").textContent = "live: " + text;
	}

	/* #live once the stream is open: what it applied, read back from
	 * the book table and the chart series (what is shown, not what
	 * came). */
	function liveReport() {
		var first = $("book").tBodies[0].rows[0];
		var parts = ["on", "applied: " + live.applied];

		if (first) {
			parts.push("bid: " + first.cells[1].textContent);
			parts.push("ask: " + first.cells[2].textContent);
		}
		if (live.moved.length)
			parts.push("last: " + live.moved.map(function (key) {
				var d = series[key].data();
				return key + "=" + d[d.length - 1].value;
			}).join(" "));
		setLive(parts.join("; "));
	}

	/* One event of the stream: drawn, counted when it changed what
	 * the page shows, and said in #live and #status. */
	function onEvent(ev, row) {
		var moved;

		if (ev.bands) {
			moved = onBands(ev);
			if (!moved.length)
				return;
			live.moved = moved;
		} else if (ev.bids || ev.asks) {
			if (!onBook(ev, row))
				return;
		} else {
			return;
		}
		live.applied++;
		liveReport();
		report();
	}

	/* /api/stream when it answers; a 404 (or no stream at all) closes
	 * it for good instead of retrying. */
	function follow(row) {
		var es;

		if (params.get("live") === "0" || !window.EventSource) {
			setLive("off (live=0)");
			return;
		}
		es = new EventSource("/api/stream?" + query({
			venue: row.venue, symbol: row.symbol
		}));
		es.onmessage = function (m) {
			var ev;
			try {
				ev = JSON.parse(m.data);
			} catch (e) {
				return;
			}
			onEvent(ev, row);
		};
		es.onopen = function () {
			liveReport();
		};
		/* CONNECTING: the browser tries again by itself. */
		es.onerror = function () {
			if (es.readyState === EventSource.CLOSED) {
				es.close();
				setLive("off (no stream)");
			} else {
				setLive("reconnecting");
			}
		};
	}

	/* ------------------------------------------------------------ */

	function report() {
		setStatus("points: " + counts.map(function (c) {
			return c[0] + "=" + c[1].data().length;
		}).join(" ") + (tail.length ? "; " + tail.join("; ") : ""));
	}

	function start(body) {
		var row, span, jobs;

		symbols = body.data;
		if (!symbols.length)
			throw new Error("the journal holds no bands yet");
		row = chosen();
		fillPickers(row);
		span = range(row);
		jobs = drawMarkets(row, span).concat(drawImbalance(row, span),
		    drawSums(row, span), drawCandles(row, span), drawStore());
		return Promise.all(jobs).then(function () {
			report();
			follow(row);
		});
	}

	if (!LC) {
		fail("the chart library did not load");
		return;
	}
	getJSON("/api/symbols").then(start).catch(fail);
})();
