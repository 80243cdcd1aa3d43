-- Twelve fills of two markets with known answers for tests/1070-report.sh:
-- six round trips (win, loss, win, win by a flip, win, loss), pnl 9,
-- fees 0.5, win rate 2/3, a win streak of 3, max drawdown 11.5.
CREATE TEMP TABLE f(id, venue, market, symbol, side, price, qty, fee, t, reason);
INSERT INTO f VALUES
('i1','binance','spot','BTCUSDT','buy','100','1','0.1',1793613600000,NULL),
('i2','binance','spot','BTCUSDT','sell','110','1','0.1',1793617200000,'{"reason":"tp"}'),
('i3','binance','spot','BTCUSDT','buy','100','2','0',1793620800000,NULL),
('i4','binance','spot','BTCUSDT','sell','95','1','0',1793622600000,'{"reason":"sl"}'),
('i5','binance','spot','BTCUSDT','sell','96','1','0',1793624400000,'{"reason":"sl"}'),
('i6','bybit','linear','ETHUSDT','sell','50','1',NULL,1793696400000,NULL),
('i7','bybit','linear','ETHUSDT','buy','40','1','0',1793700000000,'{"tag":"tp"}'),
('i8','binance','spot','BTCUSDT','buy','100','1','0',1793703600000,NULL),
('i9','binance','spot','BTCUSDT','sell','104','3','0.3',1793705400000,NULL),
('i10','binance','spot','BTCUSDT','buy','101','2','0',1793707200000,'{"reason":"tp","tag":"x"}'),
('i11','bybit','linear','ETHUSDT','buy','40','1','0',1793710800000,NULL),
('i12','bybit','linear','ETHUSDT','sell','28.5','1','0',1793714400000,'{"reason":7}');
INSERT INTO intents(intent_id, client_id, venue, market, symbol, side, type,
  qty, price, state, created_ms, raw, updated_ms)
SELECT id, id, venue, market, symbol, side, 'market', qty, NULL, 'done', t,
  json_patch(json_object('type', 'intent', 'id', id, 'side', side, 'kind',
  'market', 'qty', qty), coalesce(reason, '{}')), t FROM f;
INSERT INTO fills(venue, venue_trade_id, client_id, price, qty, fee,
  fee_asset, time_ms, market, symbol, side)
SELECT venue, 't' || id, id, price, qty, fee, 'USDT', t, market, symbol, side
FROM f;
