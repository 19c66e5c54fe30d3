'use strict';
// What this process's threads did between two moments (Linux; elsewhere `ThreadClock.sample`
// returns null): the JS thread's CPU time and its time waiting for a CPU (runnable, not
// running), and the CPU time of the other threads by kind: codec threads (our workers and the
// threads codec libraries start, which inherit a worker's name or take their own) and Node's
// own (V8's platform workers, libuv's pool: named like the main thread). Read from
// /proc/self/task/*/schedstat, whose first two fields are a thread's CPU time and run-queue
// wait in ns: about 20 µs per sample (a directory read, and a read per thread through file
// descriptors kept open).
//
// Used to say what an event-loop gap was: the JS thread busy (our callbacks, V8's garbage
// collection), or waiting for a CPU, and then whether our threads held the CPUs or they were
// out of the process's hands (another process, the hypervisor).
const fs = require('node:fs');
const os = require('node:os');
const { performance, PerformanceObserver } = require('node:perf_hooks');

const TASKS = `/proc/${process.pid}/task`;
const buf = Buffer.alloc(96);

// A thread's name, or null once it is gone. Read through a descriptor into `buf`: a third of
// readFileSync's time (7 against 20 µs per thread here), which counts when a codec has just
// started its threads and the next sample finds them all.
function comm(tid) {
  let fd;
  try {
    fd = fs.openSync(`${TASKS}/${tid}/comm`, 'r');
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    return buf.toString('latin1', 0, n).trim();
  } catch {
    return null;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

// [cpu ns, wait ns] from an open schedstat descriptor, or null once the thread is gone.
function readStat(fd) {
  try {
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    const [cpu, wait] = buf.toString('latin1', 0, n).split(' ');
    return [Number(cpu), Number(wait)];
  } catch {
    return null;
  }
}

class ThreadClock {
  constructor() {
    this.supported = os.platform() === 'linux' && fs.existsSync(`${TASKS}/${process.pid}/schedstat`);
    this.mainName = this.supported ? comm(process.pid) : null;
    // The JS thread's { fd, last: [cpu, wait] }, opened by the first sample.
    this.js = null;
    // The other threads: tid -> { fd, kind: 'node' | 'codec', last: [cpu, wait] }
    this.threads = new Map();
  }

  // Threads come and go (codecs start theirs on configure or on the first frames): look for
  // new ones at every sample (a directory read, a few µs), so that a new thread's CPU time,
  // all of it since the previous sample, lands in the right interval.
  refresh() {
    let tids;
    try {
      tids = fs.readdirSync(TASKS);
    } catch {
      return;
    }
    for (const t of tids) {
      const tid = Number(t);
      if (tid === process.pid || this.threads.has(tid)) continue;
      const name = comm(tid);
      if (name === null) continue;
      let fd;
      try {
        fd = fs.openSync(`${TASKS}/${tid}/schedstat`, 'r');
      } catch {
        continue;
      }
      const kind = name === this.mainName ? 'node' : 'codec';
      // A thread found now started since the previous sample: all its time is in this interval.
      this.threads.set(tid, { fd, kind, last: [0, 0] });
    }
  }

  // The time each kind of thread spent since the previous sample, in ms:
  // { jsCpu, jsWait, codecCpu, nodeCpu }, or null where schedstat is not there.
  sample() {
    if (!this.supported) return null;
    const d = { jsCpu: 0, jsWait: 0, codecCpu: 0, nodeCpu: 0 };
    // The JS thread first, before the look for new threads (opening their files takes the JS
    // thread's time too, up to a millisecond when a codec has just started its threads).
    // A running thread's CPU time in schedstat is as of its last scheduler event (a switch,
    // or the tick: up to 4 ms at 250 Hz), the reading thread's own included. getrusage()
    // (process.cpuUsage) brings the calling thread's up to date first, so the JS thread's
    // reads exact; a codec thread running on another CPU can still be a tick behind.
    process.cpuUsage();
    if (!this.js) this.js = { fd: fs.openSync(`${TASKS}/${process.pid}/schedstat`, 'r'), last: [0, 0] };
    const js = readStat(this.js.fd);
    d.jsCpu = (js[0] - this.js.last[0]) / 1e6;
    d.jsWait = (js[1] - this.js.last[1]) / 1e6;
    this.js.last = js;
    this.refresh();
    for (const [tid, t] of this.threads) {
      const now = readStat(t.fd);
      if (!now) {
        fs.closeSync(t.fd);
        this.threads.delete(tid);
        continue;
      }
      const cpu = (now[0] - t.last[0]) / 1e6;
      if (t.kind === 'codec') d.codecCpu += cpu;
      else d.nodeCpu += cpu;
      t.last = now;
    }
    return d;
  }

  close() {
    for (const t of this.threads.values()) fs.closeSync(t.fd);
    this.threads.clear();
    if (this.js) fs.closeSync(this.js.fd);
    this.js = null;
  }
}

// What the threads did between two samples `wallMs` apart (`d`, the second `sample()`): their
// CPU time in ms, the JS thread's run-queue wait, and the CPU time the process left to others
// (`cpus` × `wallMs` minus ours: other processes', the hypervisor's, or idle).
function describe(d, wallMs, cpus = os.availableParallelism ? os.availableParallelism() : os.cpus().length) {
  if (!d) return null;
  const ours = d.jsCpu + d.codecCpu + d.nodeCpu;
  const r = (v) => Math.round(v * 10) / 10;
  return {
    jsCpuMs: r(d.jsCpu),
    jsWaitMs: r(d.jsWait),
    codecCpuMs: r(d.codecCpu),
    nodeCpuMs: r(d.nodeCpu),
    notOursMs: r(Math.max(0, cpus * wallMs - ours)),
  };
}

// A 1 ms setInterval heartbeat: the longest interval between two of its ticks, minus the
// period (how long the event loop could not run a due timer), what the threads did in that
// interval (`describe`), and how much of it V8's garbage collector paused the JS thread
// (`gcMs`; a collection the observer has not reported by the time of `take()` is missed), and
// when the interval began (`atMs`, from the heartbeat's start or the last `take()`).
// `take()` returns them and starts over; `stop()` too, and ends it.
class Heartbeat {
  constructor() {
    this.clock = new ThreadClock();
    // The clock read before the sample, as each tick does: the sample's own work (its first
    // look for threads opens a file per thread) then counts in both the interval and the CPU
    // time that follows.
    this.last = performance.now();
    this.clock.sample();
    this.start = this.last;
    this.worst = null;
    this.gcs = [];
    this.observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) this.gcs.push([e.startTime, e.startTime + e.duration]);
    });
    this.observer.observe({ entryTypes: ['gc'] });
    this.timer = setInterval(() => this.tick(), 1);
  }

  tick() {
    const now = performance.now();
    const d = this.clock.sample();
    const gap = now - this.last - 1;
    if (!this.worst || gap > this.worst.ms) this.worst = { ms: gap, from: this.last, to: now, d };
    this.last = now;
  }

  // The worst gap since the last `take()` (the interval still open counts too):
  // { worstMs, cause } with `cause` as `describe` gives it plus `gcMs`, or null.
  take() {
    this.tick();
    const w = this.worst;
    this.worst = null;
    const gcMs = this.gcs.reduce((n, [a, b]) => n + Math.max(0, Math.min(b, w.to) - Math.max(a, w.from)), 0);
    this.gcs = this.gcs.filter(([, b]) => b > w.to);
    const cause = describe(w.d, w.to - w.from);
    const r = (v) => Math.round(v * 10) / 10;
    const atMs = r(w.from - this.start);
    this.start = this.last;
    return { worstMs: Math.max(0, w.ms), cause: cause && { ...cause, gcMs: r(gcMs), atMs } };
  }

  stop() {
    const r = this.take();
    clearInterval(this.timer);
    this.observer.disconnect();
    this.clock.close();
    return r;
  }
}

module.exports = { ThreadClock, describe, Heartbeat };
