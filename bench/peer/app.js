// The peer bot for bench/ping_flood --koishi: Koishi 4.18 with
// koishi-plugin-adapter-onebot 6.9 in reverse-WS mode (Koishi listens, the
// load generator connects as NapCat would) and one command, /ping -> pong.
//
//   node app.js --port PORT [--path /onebot/v11/ws] [--self-id 10001]
//
// PORT is the first port tried (the server plugin moves up to 100 ports on
// when it is taken). Once listening it prints one line the generator waits for:
//   koishi ready in <ms> ms, reverse WS listening on 127.0.0.1:<port><path>
'use strict'
const started = process.hrtime.bigint()
const net = require('node:net')
const { App, HTTP } = require('koishi')
const server = require('@koishijs/plugin-server').default
const onebot = require('koishi-plugin-adapter-onebot').default

function option(name, fallback) {
  const at = process.argv.indexOf(name)
  return at >= 0 && at + 1 < process.argv.length ? process.argv[at + 1] : fallback
}
const port = Number(option('--port', '0'))
const path = option('--path', '/onebot/v11/ws')
const selfId = option('--self-id', '10001')
if (!(port > 0 && port < 65536)) {
  console.error('usage: node app.js --port PORT [--path PATH] [--self-id ID]')
  process.exit(2)
}

// Warnings only: Koishi's info logging (one line per message) would dominate.
const app = new App({ prefix: ['/'], logger: { levels: { base: 2 } } })
app.plugin(HTTP) // the adapter's bots inject 'http'; a bare App does not provide it
app.plugin(server, { host: '127.0.0.1', port, maxPort: port + 100 })
// Key names read from node_modules/koishi-plugin-adapter-onebot/lib/index.js
// (WsServer.Options: protocol 'ws-reverse', path; BaseBot: selfId).
app.plugin(onebot, { protocol: 'ws-reverse', selfId, path })
app.command('ping').action(() => 'pong')

// app.start() can resolve before the HTTP server has bound its port (the
// server plugin calls listen() without awaiting it), so the ready line waits
// until a TCP connect to the port succeeds and the OneBot bot exists.
function accepting(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => { socket.destroy(); resolve(true) })
    socket.on('error', () => resolve(false))
  })
}
async function ready() {
  await app.start()
  while (!app.server?.port || !app.bots.length || !(await accepting(app.server.port))) {
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  console.log(`koishi ready in ${ms.toFixed(1)} ms, reverse WS listening on 127.0.0.1:${app.server.port}${path}`)
}
ready()
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => app.stop().then(() => process.exit(0), () => process.exit(1)))
}
