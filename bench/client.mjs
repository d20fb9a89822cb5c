// Socket.IO load client driven by scripts/benchmark.py (one JSON config as argv[2]).
//
// It connects its sockets (websocket transport, the session cookie in extraHeaders), prints
// {"event":"ready",...} on stdout, runs when it reads "go" on stdin, prints {"event":"done",...},
// and closes everything when it reads "exit" (or stdin ends).
//
// Modes:
//   senders  each socket sends `messages` send_message events one after another, waiting for each ack;
//            with expectReplies, the run ends when every message was read (message_read) and a reply
//            from the companion arrived after that read.
//   idle     `count` sockets connected, nothing sent (the caller reads the server's RSS); no "go" needed.
//   replay   `tries` x emit sync {last_seq} and wait for the `sync` event; then `tries` x a new socket
//            connecting with auth {last_seq}, timed until its `sync` event.
import { io } from "socket.io-client";
import { createInterface } from "node:readline";

const config = JSON.parse(process.argv[2]);
const now = () => performance.now();
const stdinLines = createInterface({ input: process.stdin });
const waiters = [];
stdinLines.on("line", (line) => waiters.shift()?.(line.trim()));
stdinLines.on("close", () => { while (waiters.length) waiters.shift()("exit"); });
const nextLine = () => new Promise((resolve) => waiters.push(resolve));
const say = (object) => process.stdout.write(JSON.stringify(object) + "\n");

function openSocket(cookie, auth) {
  return io(config.url, {
    transports: ["websocket"],
    forceNew: true,
    reconnection: false,
    timeout: 30000,
    extraHeaders: cookie ? { Cookie: cookie } : {},
    auth: auth || {},
  });
}

function connected(socket) {
  return new Promise((resolve) => {
    socket.once("connect", () => resolve(null));
    socket.once("connect_error", (error) => resolve(String(error && error.message)));
  });
}

async function connectAll(count, cookies, concurrency = 200) {
  const sockets = [];
  const failures = {};
  for (let start = 0; start < count; start += concurrency) {
    const batch = [];
    for (let index = start; index < Math.min(count, start + concurrency); index++) {
      const socket = openSocket(cookies.length ? cookies[index % cookies.length] : null);
      sockets.push(socket);
      batch.push(connected(socket));
    }
    for (const failure of await Promise.all(batch)) {
      if (failure !== null) failures[failure] = (failures[failure] || 0) + 1;
    }
  }
  return { sockets, failures };
}

function percentile(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (value) => (value === null ? null : Math.round(value * 1000) / 1000);
  return { n: sorted.length, p50: round(percentile(sorted, 50)), p90: round(percentile(sorted, 90)),
           p99: round(percentile(sorted, 99)), max: round(percentile(sorted, 100)) };
}

class Sender {
  constructor(socket, index) {
    this.socket = socket;
    this.index = index;
    this.sent = [];           // {id, sentAt, ackAt}
    this.readAt = new Map();  // message id -> when its message_read arrived
    this.replyTimes = [];     // arrival of each companion message, ascending
    this.errors = {};
    this.onProgress = () => {};
    socket.on("message_read", (payload) => {
      if (payload && !this.readAt.has(payload.message_id)) this.readAt.set(payload.message_id, now());
      this.onProgress();
    });
    socket.on("message_received", (payload) => {
      if (payload && payload.message && payload.message.sender !== "user") {
        this.replyTimes.push(now());
        this.onProgress();
      }
    });
  }

  answered(entry) {
    const readAt = this.readAt.get(entry.id);
    return readAt !== undefined && this.replyTimes.length > 0 && this.replyTimes[this.replyTimes.length - 1] >= readAt;
  }

  allAnswered() {
    return this.sent.every((entry) => entry.id === undefined || this.answered(entry));
  }

  replyLatencies() {
    const latencies = [];
    for (const entry of this.sent) {
      const readAt = this.readAt.get(entry.id);
      if (readAt === undefined) continue;
      const reply = this.replyTimes.find((at) => at >= readAt);
      if (reply !== undefined) latencies.push(reply - entry.sentAt);
    }
    return latencies;
  }

  waitFor(predicate, timeoutMs) {
    if (predicate()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.onProgress = () => {}; resolve(false); }, timeoutMs);
      this.onProgress = () => {
        if (predicate()) { clearTimeout(timer); this.onProgress = () => {}; resolve(true); }
      };
    });
  }

  async run(messages) {
    for (let number = 0; number < messages; number++) {
      const payload = {
        girl_id: config.girlId,
        client_id: `b${process.pid}s${this.index}n${number}t${Date.now()}`,
        content: `Hi Emma, this is message ${number} from sender ${this.index}. How is your day going?`,
      };
      const sentAt = now();
      let ack;
      try {
        ack = await this.socket.timeout(config.ackTimeoutMs).emitWithAck("send_message", payload);
      } catch (error) {
        this.errors.ack_timeout = (this.errors.ack_timeout || 0) + 1;
        continue;
      }
      const ackAt = now();
      if (!ack || !ack.ok) {
        const code = (ack && ack.error && ack.error.code) || "bad_ack";
        this.errors[code] = (this.errors[code] || 0) + 1;
        continue;
      }
      const entry = { id: ack.message ? ack.message.id : undefined, sentAt, ackAt };
      this.sent.push(entry);
      if (config.waitReply && entry.id !== undefined) {
        await this.waitFor(() => this.answered(entry), config.replyTimeoutMs);
      }
    }
  }
}

async function runSenders(sockets) {
  const senders = sockets.map((socket, index) => new Sender(socket, index));
  await nextLine();
  const startedAt = now();
  await Promise.all(senders.map((sender) => sender.run(config.messages)));
  const acksDoneAt = now();
  let unanswered = 0;
  if (config.expectReplies) {
    await Promise.all(senders.map((sender) => sender.waitFor(() => sender.allAnswered(), config.replyTimeoutMs)));
    for (const sender of senders) unanswered += sender.sent.filter((entry) => !sender.answered(entry)).length;
  }
  const lastReply = Math.max(acksDoneAt, ...senders.flatMap((sender) => sender.replyTimes.slice(-1)));
  const completeAt = config.expectReplies ? lastReply : acksDoneAt;
  const acked = senders.reduce((total, sender) => total + sender.sent.length, 0);
  const errors = {};
  for (const sender of senders) {
    for (const [code, count] of Object.entries(sender.errors)) errors[code] = (errors[code] || 0) + count;
  }
  return {
    senders: senders.length, messages_each: config.messages, acked, errors, unanswered,
    replies_received: senders.reduce((total, sender) => total + sender.replyTimes.length, 0),
    ack_seconds: (acksDoneAt - startedAt) / 1000,
    complete_seconds: (completeAt - startedAt) / 1000,
    msgs_per_s_acked: acked / ((acksDoneAt - startedAt) / 1000),
    msgs_per_s_complete: (acked - unanswered) / ((completeAt - startedAt) / 1000),
    ack_ms: summary(senders.flatMap((sender) => sender.sent.map((entry) => entry.ackAt - entry.sentAt))),
    reply_ms: summary(senders.flatMap((sender) => sender.replyLatencies())),
  };
}

function nextSync(socket, timeoutMs) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), timeoutMs);
    socket.once("sync", (payload) => { clearTimeout(timer); resolve({ at: now(), payload }); });
  });
}

async function runReplay(socket) {
  await nextLine();
  const described = (startedAt, arrival) => arrival === null ? { ms: null } : {
    ms: arrival.at - startedAt, events: arrival.payload.events.length, reset: arrival.payload.reset,
    last_seq: arrival.payload.last_seq, bytes: JSON.stringify(arrival.payload).length };
  const viaSync = [];
  for (let attempt = 0; attempt < config.tries; attempt++) {
    const startedAt = now();
    const arrival = nextSync(socket, 30000);
    socket.emit("sync", { last_seq: config.lastSeq });
    viaSync.push(described(startedAt, await arrival));
  }
  const viaConnect = [];
  for (let attempt = 0; attempt < config.tries; attempt++) {
    const startedAt = now();
    const fresh = openSocket(config.cookies[0], { last_seq: config.lastSeq });
    viaConnect.push(described(startedAt, await nextSync(fresh, 30000)));
    fresh.close();
  }
  const pick = (runs) => ({ ms: summary(runs.filter((run) => run.ms !== null).map((run) => run.ms)),
                            last: runs[runs.length - 1] });
  return { sync_event: pick(viaSync), connect_with_last_seq: pick(viaConnect) };
}

async function main() {
  const count = config.mode === "idle" ? config.count : config.mode === "replay" ? 1 : config.senders;
  const { sockets, failures } = await connectAll(count, config.cookies || [], config.concurrency || 200);
  say({ event: "ready", connected: sockets.filter((socket) => socket.connected).length, failures });
  let result = {};
  if (config.mode === "senders") result = await runSenders(sockets.filter((socket) => socket.connected));
  else if (config.mode === "replay") result = await runReplay(sockets[0]);
  say({ event: "done", ...result });
  await nextLine();
  for (const socket of sockets) socket.close();
  process.exit(0);
}

main().catch((error) => {
  say({ event: "error", message: String(error && error.stack || error) });
  process.exit(1);
});
