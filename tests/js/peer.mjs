#!/usr/bin/env node
// A stock Yjs peer for the interop tests: yjs + y-websocket's WebsocketProvider + ws, nothing
// from Parvis. It connects to a y-websocket server, waits for the first sync, runs the actions
// given on the command line in order, makes sure the server holds every local change, then
// prints ONE JSON line on stdout and exits 0:
//
//   {"text": <body toString>, "delta": <body toDelta()>, "title": <meta.title or null>,
//    "stateVector": <base64 of Y.encodeStateVector>}
//
// On timeout or error it prints one line on stderr and exits 1 (2 for bad usage).
//
// Usage: node peer.mjs SERVER_URL DOC_ID [options] [actions]
//   SERVER_URL         e.g. ws://127.0.0.1:8765/yjs (the doc id is appended as the last segment)
// Options:
//   --token TOKEN      sent as ?token=TOKEN (default: env PARVIS_TOKEN)
//   --timeout MS       limit for connecting, syncing, flushing and each --wait-for (default 15000)
// Actions, run in order:
//   --insert POS TEXT       POS in UTF-16 code units as Yjs counts them, or "end"
//   --delete POS LEN        UTF-16 code units
//   --format POS LEN JSON   e.g. '{"bold":true}'
//   --set-title TITLE       meta.title
//   --wait-for SUBSTRING    wait until the body text contains SUBSTRING
//   --settle MS             wait MS milliseconds
//   --flush                 wait until the server holds every local change made so far
//   --mark LABEL            print LABEL on a line of stderr (after a flush), for a test to wait on

import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import WebSocket from 'ws'

class Usage extends Error {}

const ARITY = {
  '--insert': 2,
  '--delete': 2,
  '--format': 3,
  '--set-title': 1,
  '--wait-for': 1,
  '--settle': 1,
  '--flush': 0,
  '--mark': 1
}

function parseArgs (argv) {
  if (argv.length < 2 || argv[0].startsWith('--') || argv[1].startsWith('--')) {
    throw new Usage('usage: node peer.mjs SERVER_URL DOC_ID [--token T] [--timeout MS] [actions…]')
  }
  const opts = { serverUrl: argv[0], docId: argv[1], token: process.env.PARVIS_TOKEN, timeout: 15000, actions: [] }
  for (let i = 2; i < argv.length;) {
    const name = argv[i]
    if (name === '--token' || name === '--timeout') {
      if (i + 1 >= argv.length) throw new Usage(`${name} needs a value`)
      if (name === '--token') opts.token = argv[i + 1]
      else opts.timeout = toInt(argv[i + 1], name)
      i += 2
      continue
    }
    const arity = ARITY[name]
    if (arity === undefined) throw new Usage(`unknown argument: ${name}`)
    if (i + arity >= argv.length) throw new Usage(`${name} needs ${arity} value(s)`)
    opts.actions.push({ name, args: argv.slice(i + 1, i + 1 + arity) })
    i += 1 + arity
  }
  return opts
}

function toInt (value, what) {
  if (!/^-?\d+$/.test(value)) throw new Usage(`${what}: not an integer: ${value}`)
  return Number.parseInt(value, 10)
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Resolve when `check()` is true, re-checking whenever `subscribe`'s callback fires. */
function until (check, subscribe, timeout, what) {
  return new Promise((resolve, reject) => {
    if (check()) return resolve()
    let unsubscribe = () => {}
    const timer = setTimeout(() => {
      unsubscribe()
      reject(new Error(`timed out after ${timeout} ms ${typeof what === 'function' ? what() : what}`))
    }, timeout)
    unsubscribe = subscribe(() => {
      if (check()) {
        clearTimeout(timer)
        unsubscribe()
        resolve()
      }
    })
  })
}

/** Open a provider for `doc` and resolve once it has synced (`quiet`: without an awareness
 * state); reject on a refused connection (close codes 4400-4499) or a timeout, saying how the
 * last connection attempt ended. */
function connect (opts, doc, { quiet = false } = {}) {
  const params = opts.token ? { token: opts.token } : {}
  const provider = new WebsocketProvider(opts.serverUrl, opts.docId, doc, {
    WebSocketPolyfill: WebSocket, params, disableBc: true
  })
  // The peer announces itself in awareness like any stock client; flush probes stay silent.
  if (quiet) provider.awareness.setLocalState(null)
  let lastError = ''
  let lastClose = ''
  provider.on('connection-error', (event) => {
    lastError = `; last connection error: ${event?.message || event?.error?.message || 'unknown'}`
  })
  provider.on('connection-close', (event) => {
    if (event) lastClose = `; last connection closed with code ${event.code} ${event.reason || ''}`.trimEnd()
  })
  const where = () => provider.url.replace(/token=[^&]*/, 'token=…')
  const synced = new Promise((resolve, reject) => {
    provider.on('closed', ({ code, reason }) => reject(new Error(`the server refused ${where()}: ${code} ${reason}`)))
    // A browser would keep retrying a refused upgrade (401, 403, 404); a test wants to know now.
    provider.on('connection-error', (event) => {
      const refused = /Unexpected server response: (4\d\d)/.exec(event?.message || '')
      if (refused) reject(new Error(`the server refused ${where()}: HTTP ${refused[1]}`))
    })
    until(() => provider.synced, (fn) => {
      provider.on('sync', fn)
      return () => provider.off('sync', fn)
    }, opts.timeout, () => `waiting for the first sync with ${opts.serverUrl}/${opts.docId}${lastError}${lastClose}`)
      .then(resolve, reject)
  })
  return synced.then(() => provider, (err) => { provider.destroy(); throw err })
}

/** Resolve once the server holds every change of `doc`: the socket's buffer is empty, then a
 * second, fresh connection receives a state to which `doc` adds nothing (no new item, no new
 * deletion). Retries until the timeout. */
async function flush (opts, provider, doc) {
  const deadline = Date.now() + opts.timeout
  const ours = Y.encodeStateAsUpdate(doc)
  while (true) {
    while (provider.ws && provider.ws.bufferedAmount > 0) {
      if (Date.now() > deadline) throw new Error('timed out flushing local changes to the server')
      await sleep(10)
    }
    await sleep(30)
    const probeDoc = new Y.Doc()
    const probe = await connect({ ...opts, timeout: Math.max(1, deadline - Date.now()) }, probeDoc, { quiet: true })
    const server = Y.encodeStateAsUpdate(probeDoc)
    probe.destroy()
    probeDoc.destroy()
    const copy = new Y.Doc()
    Y.applyUpdate(copy, server)
    let missing = false
    copy.on('update', () => { missing = true })
    Y.applyUpdate(copy, ours)
    copy.destroy()
    if (!missing) return
    if (Date.now() > deadline) throw new Error('timed out: the server does not hold every local change')
    await sleep(50)
  }
}

function position (value, text) {
  if (value === 'end') return text.length
  const pos = toInt(value, 'position')
  if (pos < 0 || pos > text.length) throw new Error(`position ${pos} outside the text (0 to ${text.length})`)
  return pos
}

async function run (opts) {
  const doc = new Y.Doc()
  const body = doc.getText('body')
  const meta = doc.getMap('meta')
  const provider = await connect(opts, doc)
  let dirty = false
  for (const { name, args } of opts.actions) {
    switch (name) {
      case '--insert':
        body.insert(position(args[0], body.toString()), args[1])
        dirty = true
        break
      case '--delete': {
        const pos = position(args[0], body.toString())
        const len = toInt(args[1], 'length')
        if (len <= 0 || pos + len > body.length) throw new Error(`cannot delete ${len} at ${pos}: length ${body.length}`)
        body.delete(pos, len)
        dirty = true
        break
      }
      case '--format': {
        const pos = position(args[0], body.toString())
        const len = toInt(args[1], 'length')
        let attributes
        try {
          attributes = JSON.parse(args[2])
        } catch (err) {
          throw new Error(`--format: attributes are not JSON (${err.message}): ${args[2]}`)
        }
        body.format(pos, len, attributes)
        dirty = true
        break
      }
      case '--set-title':
        meta.set('title', args[0])
        dirty = true
        break
      case '--wait-for':
        await until(() => body.toString().includes(args[0]), (fn) => {
          body.observe(fn)
          return () => body.unobserve(fn)
        }, opts.timeout, () => `waiting for ${JSON.stringify(args[0])} in ${JSON.stringify(body.toString())}`)
        break
      case '--settle':
        await sleep(toInt(args[0], '--settle'))
        break
      case '--flush':
        await flush(opts, provider, doc)
        dirty = false
        break
      case '--mark':
        if (dirty) await flush(opts, provider, doc)
        dirty = false
        process.stderr.write(args[0] + '\n')
        break
    }
  }
  if (dirty) await flush(opts, provider, doc)
  const result = {
    text: body.toString(),
    delta: body.toDelta(),
    title: meta.get('title') ?? null,
    stateVector: Buffer.from(Y.encodeStateVector(doc)).toString('base64')
  }
  provider.destroy()
  doc.destroy()
  return JSON.stringify(result)
}

let opts
try {
  opts = parseArgs(process.argv.slice(2))
} catch (err) {
  process.stderr.write(`peer.mjs: ${err.message}\n`)
  process.exit(2)
}
run(opts).then(
  (line) => process.stdout.write(line + '\n', () => process.exit(0)),
  (err) => process.stderr.write(`peer.mjs: ${err.message}\n`, () => process.exit(1))
)
