// Baseline of bench/discord_e2e.sh: @discordjs/ws against the fake Discord
// gateway on 127.0.0.1. Counts MESSAGE_CREATE dispatches (parsing nothing
// beyond what @discordjs/ws parses itself) and prints one JSON line when
// `--expect` events arrived, or, with `--expect 0`, when every shard is
// READY plus `--settle-ms`.
//
// Usage: node bench.mjs --port P --shards S --expect N
//                       [--compress none|zlib-stream] [--settle-ms MS]
//                       [--timeout-s S]
import { readFileSync } from 'node:fs';
import { REST } from '@discordjs/rest';
import { WebSocketManager, WebSocketShardEvents, CompressionMethod } from '@discordjs/ws';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, x, i, all) => (i % 2 === 0 ? [...acc, [x.replace(/^--/, ''), all[i + 1]]] : acc), []));
const port = Number(args.port);
const shardCount = Number(args.shards ?? 1);
const expect = Number(args.expect ?? 0);
const settleMs = Number(args['settle-ms'] ?? 2000);
const timeoutS = Number(args['timeout-s'] ?? 300);
const compress = args.compress ?? 'none';
const token = process.env.DISCORD_TOKEN ?? 'test-token';

const hwm = () => {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
};

const rest = new REST({ api: `http://127.0.0.1:${port}/api`, version: '10' }).setToken(token);
const manager = new WebSocketManager({
  token,
  // GUILDS | GUILD_MESSAGES | DIRECT_MESSAGES | MESSAGE_CONTENT, as tetherd.
  intents: 1 | 512 | 4096 | 32768,
  shardCount,
  rest,
  compression: compress === 'zlib-stream' ? CompressionMethod.ZlibNative : null,
});

let events = 0;
let ready = 0;
let finished = false;
const finish = (what) => {
  if (finished) return;
  finished = true;
  const cpu = process.cpuUsage();
  const out = {
    client: 'discordjs', what, shards: shardCount, compress, events,
    wall_s: performance.now() / 1000,
    cpu_s: (cpu.user + cpu.system) / 1e6,
    rss: process.memoryUsage().rss, rss_peak: hwm(),
  };
  console.log(JSON.stringify(out));
  process.exit(what === 'timeout' ? 1 : 0);
};

manager.on(WebSocketShardEvents.Dispatch, (a) => {
  // 2.x: (payload, shardId); 1.x: ({ data, shardId }).
  const payload = a && a.data && a.data.t !== undefined ? a.data : a;
  if (payload.t === 'MESSAGE_CREATE') {
    if (++events === expect) finish('flood');
  } else if (payload.t === 'READY') {
    if (++ready === shardCount && expect === 0) setTimeout(() => finish('idle'), settleMs);
  }
});
manager.on(WebSocketShardEvents.Error, (e) => console.error('discordjs error:', e?.error ?? e));
setTimeout(() => finish('timeout'), timeoutS * 1000).unref();
await manager.connect();
