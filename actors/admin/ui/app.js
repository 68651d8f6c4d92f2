// tether admin console: the live supervision tree, node actions, restart
// policies, supervisor events, the log tail and the sandbox chat, all over
// the admin HTTP API (docs/admin.md). Plain JavaScript, no dependencies.
//
// Event streams are read with fetch() rather than EventSource, because
// EventSource cannot send the Authorization header. Every request has a
// deadline and every stream reconnects with backoff.

'use strict';

(() => {
  const TOKEN_KEY = 'tether.admin.token';
  const COLLAPSED_KEY = 'tether.admin.collapsed';
  const TREE_INTERVAL_MS = 2000;
  const HEALTH_INTERVAL_MS = 5000;
  const MAX_EVENTS = 100;
  const MAX_LOG_LINES = 1000;
  const MAX_CHAT = 200;
  const SPARK_POINTS = 40;
  // The admin node cannot stop itself through the API (409).
  const ADMIN_PATH = 'core/admin';

  const $ = (id) => document.getElementById(id);

  function el(tag, cls, text) {
    const x = document.createElement(tag);
    if (cls) x.className = cls;
    if (text !== undefined) x.textContent = text;
    return x;
  }

  function svg(tag, attrs) {
    const x = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const [k, v] of Object.entries(attrs || {})) x.setAttribute(k, v);
    return x;
  }

  // -- token and requests -----------------------------------------------------

  let token = sessionStorage.getItem(TOKEN_KEY) || '';

  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.error) || ('HTTP ' + status));
      this.status = status;
      this.body = body || {};
    }
  }

  function authHeaders(extra) {
    const h = Object.assign({}, extra || {});
    if (token) h.Authorization = 'Bearer ' + token;
    return h;
  }

  async function api(method, path, body, timeoutMs) {
    const limit = timeoutMs || 10000;
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), limit);
    const init = {method, cache: 'no-store', signal: ctrl.signal,
                  headers: authHeaders()};
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    try {
      const res = await fetch(path, init);
      const text = await res.text();
      let data = null;
      try {
        data = text ? JSON.parse(text) : null;
      } catch (e) {
        data = {error: text};
      }
      if (res.status === 401) askToken();
      if (!res.ok) throw new ApiError(res.status, data);
      return data;
    } catch (e) {
      if (e instanceof ApiError) throw e;
      if (e.name === 'AbortError')
        throw new ApiError(0, {error: 'no answer within ' + limit + 'ms'});
      throw new ApiError(0, {error: 'cannot reach tetherd: ' + (e.message || e)});
    } finally {
      clearTimeout(timer);
    }
  }

  // `platforms/sandbox:console` -> `platforms/sandbox%3Aconsole`
  function encodePath(path) {
    return path.split('/').map(encodeURIComponent).join('/');
  }

  let noticeTimer = null;
  function notice(text, kind) {
    const n = $('notice');
    n.textContent = text;
    n.className = 'notice ' + (kind || '');
    n.hidden = false;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => { n.hidden = true; }, kind === 'bad' ? 15000 : 5000);
  }

  // -- event streams ----------------------------------------------------------

  // Server-Sent Events over fetch; reconnects with backoff until stopped.
  class Stream {
    constructor(path, onEvent, onState) {
      this.path = path;
      this.onEvent = onEvent;
      this.onState = onState || (() => {});
      this.ctrl = null;
      this.timer = null;
      this.retry = 1000;
      this.stopped = true;
    }

    start() {
      this.stopped = false;
      this.connect();
    }

    stop() {
      this.stopped = true;
      clearTimeout(this.timer);
      if (this.ctrl) this.ctrl.abort();
      this.ctrl = null;
    }

    restart() {
      this.stop();
      this.start();
    }

    async connect() {
      const ctrl = new AbortController();
      this.ctrl = ctrl;
      // The server sends a keep-alive every 15 s: 45 s of silence is a dead
      // connection.
      let watchdog = null;
      const kick = () => {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => ctrl.abort(), 45000);
      };
      kick();
      try {
        const res = await fetch(this.path, {
          cache: 'no-store', signal: ctrl.signal,
          headers: authHeaders({Accept: 'text/event-stream'})});
        if (res.status === 401) askToken();
        if (!res.ok || !res.body) throw new Error('HTTP ' + res.status);
        this.retry = 1000;
        this.onState(true);
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        let buf = '';
        for (;;) {
          const {value, done} = await reader.read();
          if (done) break;
          kick();
          buf += decoder.decode(value, {stream: true});
          let end;
          while ((end = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, end);
            buf = buf.slice(end + 2);
            let name = 'message';
            const data = [];
            for (const line of block.split('\n')) {
              if (line.startsWith('event:')) name = line.slice(6).trim();
              else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
            }
            if (data.length) {
              try {
                this.onEvent(name, data.join('\n'));
              } catch (e) {
                console.error(e);
              }
            }
          }
        }
      } catch (e) {
        // reconnect below
      } finally {
        clearTimeout(watchdog);
      }
      if (ctrl !== this.ctrl || this.stopped) return;
      this.onState(false);
      this.timer = setTimeout(() => this.connect(), this.retry);
      this.retry = Math.min(this.retry * 2, 15000);
    }
  }

  // -- formatting -------------------------------------------------------------

  function duration(ms) {
    if (ms < 0) return '–';
    if (ms < 1000) return Math.round(ms) + 'ms';
    let s = Math.floor(ms / 1000);
    if (s < 60) return (ms / 1000).toFixed(s < 10 ? 1 : 0) + 's';
    const d = Math.floor(s / 86400); s -= d * 86400;
    const h = Math.floor(s / 3600); s -= h * 3600;
    const m = Math.floor(s / 60); s -= m * 60;
    if (d) return d + 'd' + h + 'h';
    if (h) return h + 'h' + m + 'm';
    return m + 'm' + s + 's';
  }

  function clock(tsMs) {
    const t = tsMs ? new Date(tsMs) : new Date();
    return t.toTimeString().slice(0, 8);
  }

  function detailsText(details) {
    const parts = [];
    for (const [k, v] of Object.entries(details || {})) {
      if (k === 'dispatches') continue;
      parts.push(k + '=' + (typeof v === 'object' ? JSON.stringify(v) : v));
    }
    return parts.join(' ');
  }

  // -- the tree ---------------------------------------------------------------

  const rows = new Map();         // path -> row record
  const sparks = new Map();       // path -> {last: {t, n}, rates: []}
  let collapsed = new Set(JSON.parse(sessionStorage.getItem(COLLAPSED_KEY) || '[]'));
  let fetchedAt = 0;
  let treeBusy = false;
  let treeAgain = false;
  let sandboxes = [];

  function saveCollapsed() {
    sessionStorage.setItem(COLLAPSED_KEY, JSON.stringify([...collapsed]));
  }

  function protectedPath(path) {
    return path === '' || path === ADMIN_PATH || ADMIN_PATH.startsWith(path + '/');
  }

  function makeRow(node) {
    const r = {path: node.path, node};
    r.li = el('li');
    r.li.dataset.path = node.path;
    const row = el('div', 'row');
    r.toggle = el('button', 'toggle', '▾');
    r.toggle.type = 'button';
    r.toggle.title = 'collapse or expand';
    r.toggle.addEventListener('click', () => {
      if (collapsed.has(r.path)) collapsed.delete(r.path);
      else collapsed.add(r.path);
      saveCollapsed();
      applyCollapsed(r);
    });
    r.id = el('span', 'node-id');
    r.state = el('span', 'state');
    r.restarts = el('span', 'meta restarts');
    r.countdown = el('span', 'countdown');
    r.uptime = el('span', 'meta uptime');
    r.reason = el('span', 'reason');
    r.details = el('span', 'details');
    r.unresponsive = el('span', 'unresponsive', 'unresponsive');
    r.spark = el('span', 'spark-box meta');
    r.actions = el('span', 'actions');
    if (node.path !== '') {
      for (const action of ['restart', 'stop', 'start', 'policy']) {
        const b = el('button', 'act-' + action, action);
        b.type = 'button';
        b.dataset.action = action;
        b.dataset.path = node.path;
        if (action !== 'start' && action !== 'policy' && protectedPath(node.path)) {
          b.disabled = true;
          b.title = 'this node runs the console';
        }
        b.addEventListener('click', () => {
          if (action === 'policy') openPolicy(node.path);
          else act(node.path, action, b);
        });
        r.actions.append(b);
      }
    }
    row.append(r.toggle, r.id, r.state, r.restarts, r.countdown, r.uptime,
               r.reason, r.spark, r.details, r.unresponsive, r.actions);
    r.ul = el('ul');
    r.li.append(row, r.ul);
    return r;
  }

  function applyCollapsed(r) {
    const closed = collapsed.has(r.path);
    r.li.classList.toggle('collapsed', closed);
    r.toggle.textContent = closed ? '▸' : '▾';
  }

  function updateRow(r, node) {
    r.node = node;
    r.li.dataset.state = node.state;
    r.li.dataset.restarts = String(node.restarts_total);
    r.id.textContent = node.id;
    r.id.title = (node.path || 'root') + (node.policy ? '\npolicy: ' + node.policy : '');
    r.state.className = 'state state-' + node.state;
    r.state.textContent = node.state;
    r.restarts.textContent = node.path === ''
      ? ''
      : 'restarts ' + node.restarts_in_window + ' in window, ' + node.restarts_total + ' total';
    r.reason.textContent = node.last_exit_reason
      ? 'last exit: ' + node.last_exit_reason
      : '';
    r.reason.title = node.last_exit_reason
      ? node.last_exit_reason + ' (' + duration(node.last_exit_ago_ms) + ' ago)'
      : '';
    r.details.textContent = detailsText(node.details);
    r.details.title = r.details.textContent;
    r.unresponsive.hidden = !node.unresponsive;
    r.toggle.classList.toggle('leaf', !(node.children && node.children.length));
    updateSpark(r, node);
    applyCollapsed(r);
  }

  // Events per second from the `dispatches` counter of a node's details.
  function updateSpark(r, node) {
    const d = node.details || {};
    if (typeof d.dispatches !== 'number') {
      r.spark.hidden = true;
      return;
    }
    const now = performance.now();
    let s = sparks.get(node.path);
    if (!s) {
      s = {last: null, rates: []};
      sparks.set(node.path, s);
    }
    if (s.last && now - s.last.t >= 200) {
      const delta = d.dispatches - s.last.n;
      // A smaller counter is a new session: start again from it.
      s.rates.push(delta >= 0 ? delta / ((now - s.last.t) / 1000) : 0);
      if (s.rates.length > SPARK_POINTS) s.rates.shift();
      s.last = {t: now, n: d.dispatches};
    } else if (!s.last) {
      s.last = {t: now, n: d.dispatches};
    }
    r.spark.hidden = false;
    r.spark.textContent = '';
    const w = 80;
    const h = 18;
    const pic = svg('svg', {class: 'spark', width: w, height: h, viewBox: `0 0 ${w} ${h}`});
    pic.append(svg('line', {class: 'base', x1: 0, y1: h - 1, x2: w, y2: h - 1}));
    const top = Math.max(1, ...s.rates);
    const step = w / (SPARK_POINTS - 1);
    const pts = s.rates.map((v, i) => {
      const x = (SPARK_POINTS - s.rates.length + i) * step;
      const y = h - 1 - (v / top) * (h - 3);
      return x.toFixed(1) + ',' + y.toFixed(1);
    });
    if (pts.length) pic.append(svg('polyline', {points: pts.join(' ')}));
    const last = s.rates.length ? s.rates[s.rates.length - 1] : 0;
    const label = (d.shard !== undefined ? 'shard ' + d.shard + ' ' : '')
      + last.toFixed(1) + ' ev/s';
    pic.append(svg('title'));
    pic.lastChild.textContent = label;
    r.spark.append(pic, document.createTextNode(' ' + label));
  }

  // Countdowns and uptimes move between refreshes.
  function tick() {
    const elapsed = performance.now() - fetchedAt;
    for (const r of rows.values()) {
      const n = r.node;
      if (n.next_restart_in_ms >= 0) {
        const left = Math.max(0, n.next_restart_in_ms - elapsed);
        r.countdown.textContent = left > 0 ? 'retry in ' + duration(left) : 'retrying…';
      } else {
        r.countdown.textContent = '';
      }
      r.uptime.textContent = n.uptime_ms >= 0 ? 'up ' + duration(n.uptime_ms + elapsed) : '';
    }
  }

  function render(tree) {
    const seen = new Set();
    const place = (node, parentUl) => {
      seen.add(node.path);
      let r = rows.get(node.path);
      if (!r) {
        r = makeRow(node);
        rows.set(node.path, r);
      }
      updateRow(r, node);
      if (r.li.parentNode !== parentUl) parentUl.append(r.li);
      for (const c of node.children || []) place(c, r.ul);
      // Keep start order: move children where they belong.
      (node.children || []).forEach((c, i) => {
        const li = rows.get(c.path).li;
        if (r.ul.children[i] !== li) r.ul.insertBefore(li, r.ul.children[i] || null);
      });
    };
    place(tree, $('tree'));
    for (const [path, r] of rows) {
      if (!seen.has(path)) {
        r.li.remove();
        rows.delete(path);
        sparks.delete(path);
      }
    }
    $('tree-empty').hidden = true;
    const found = [];
    const walk = (n) => {
      if (/^platforms\/sandbox:[^/]+$/.test(n.path)) found.push(n.id.slice('sandbox:'.length));
      (n.children || []).forEach(walk);
    };
    walk(tree);
    updateSandboxes(found);
  }

  async function refreshTree() {
    if (treeBusy) {
      treeAgain = true;
      return;
    }
    treeBusy = true;
    try {
      const data = await api('GET', '/api/tree', undefined, 5000);
      fetchedAt = performance.now();
      render(data.tree);
      tick();
    } catch (e) {
      if (e.status !== 401) {
        $('tree-empty').hidden = false;
        $('tree-empty').textContent = 'The tree is not available: ' + e.message;
      }
    } finally {
      treeBusy = false;
      if (treeAgain) {
        treeAgain = false;
        setTimeout(refreshTree, 250);
      }
    }
  }

  // Bursts of supervisor events (a restart storm) make one refresh.
  let refreshTimer = null;
  function scheduleRefresh() {
    if (refreshTimer) return;
    refreshTimer = setTimeout(() => {
      refreshTimer = null;
      refreshTree();
    }, 300);
  }

  async function act(path, action, button) {
    button.disabled = true;
    try {
      await api('POST', '/api/nodes/' + encodePath(path) + '/' + action, undefined, 30000);
      notice(action + ' ' + path + ': done', 'good');
    } catch (e) {
      notice(action + ' ' + path + ': ' + e.message, 'bad');
    } finally {
      button.disabled = false;
      refreshTree();
    }
  }

  // -- policy editor ----------------------------------------------------------

  let policyPath = null;

  function policyFields() {
    return $('policy-form').querySelectorAll('input, select');
  }

  async function openPolicy(path) {
    policyPath = path;
    $('policy-panel').hidden = false;
    $('policy-path').textContent = path;
    $('policy-errors').textContent = '';
    $('policy-status').textContent = 'loading…';
    try {
      const data = await api('GET', '/api/policies/' + encodePath(path));
      if (policyPath !== path) return;
      const p = data.policy;
      for (const f of policyFields()) {
        const [a, b] = f.name.split('.');
        const v = b ? (p[a] || {})[b] : p[a];
        f.value = v === undefined || v === null ? '' : String(v);
      }
      $('policy-status').textContent = '';
    } catch (e) {
      $('policy-status').textContent = e.message;
    }
  }

  async function savePolicy(ev) {
    ev.preventDefault();
    if (!policyPath) return;
    const body = {};
    for (const f of policyFields()) {
      if (f.value.trim() === '') continue;
      let v = f.value.trim();
      if (f.type === 'number') v = Number(v);
      const [a, b] = f.name.split('.');
      if (b) (body[a] = body[a] || {})[b] = v;
      else body[a] = v;
    }
    $('policy-errors').textContent = '';
    $('policy-status').textContent = 'applying…';
    try {
      await api('PUT', '/api/policies/' + encodePath(policyPath), body);
      $('policy-status').textContent = 'applied';
      refreshTree();
    } catch (e) {
      $('policy-status').textContent = e.status ? 'refused (' + e.status + ')' : '';
      const errors = e.body.errors || [e.message];
      for (const x of errors) $('policy-errors').append(el('li', '', x));
    }
  }

  // -- supervisor events ------------------------------------------------------

  function onSupervisorEvent(name, data) {
    if (name !== 'supervisor') return;
    const ev = JSON.parse(data);
    const li = el('li');
    li.append(el('span', 'muted', clock(ev.ts_ms) + ' '),
              el('span', 'kind kind-' + ev.kind, ev.kind),
              document.createTextNode(' ' + (ev.path || 'root')));
    if (ev.delay_ms > 0) li.append(el('span', 'muted', ' in ' + duration(ev.delay_ms)));
    if (ev.reason) li.append(el('span', 'muted', ' ' + ev.reason));
    const list = $('events');
    list.prepend(li);
    while (list.children.length > MAX_EVENTS) list.lastChild.remove();
    scheduleRefresh();
  }

  function onLinkState(up) {
    const p = $('link');
    p.textContent = up ? 'live' : 'reconnecting';
    p.className = 'pill ' + (up ? 'good' : 'warn');
    if (up) refreshTree();
  }

  // -- logs -------------------------------------------------------------------

  function onLog(name, line) {
    if (name !== 'log') return;
    const pre = $('logs');
    pre.append(document.createTextNode(line + '\n'));
    while (pre.childNodes.length > MAX_LOG_LINES) pre.firstChild.remove();
    if ($('logs-follow').checked) pre.scrollTop = pre.scrollHeight;
  }

  // -- sandbox chat -----------------------------------------------------------

  let chatName = null;
  let chatStream = null;

  function updateSandboxes(names) {
    if (names.join('\n') === sandboxes.join('\n')) return;
    sandboxes = names;
    const sel = $('chat-sandbox');
    sel.textContent = '';
    for (const n of names) sel.append(el('option', '', n));
    if (!names.length) {
      $('chat-status').textContent = 'No sandbox platform in this config.';
      openChat(null);
      return;
    }
    if (!names.includes(chatName)) openChat(names[0]);
    sel.value = chatName;
  }

  function openChat(name) {
    if (chatStream) chatStream.stop();
    chatStream = null;
    chatName = name;
    $('chat-log').textContent = '';
    $('chat-input').disabled = !name;
    if (!name) return;
    chatStream = new Stream(
      '/api/sandbox/' + encodeURIComponent(name) + '/transcript?follow=1&n=50',
      onChat,
      (up) => {
        // Each connection starts with the backlog again.
        if (up) $('chat-log').textContent = '';
        $('chat-status').textContent = up ? '' : 'reconnecting to the sandbox…';
      });
    chatStream.start();
  }

  function onChat(name, data) {
    if (name !== 'chat') return;
    const e = JSON.parse(data);
    const li = el('li', 'from-' + e.from);
    li.dataset.seq = e.seq;
    const who = e.from === 'bot' ? 'bot' : (e.via === 'stdin' ? 'stdin' : 'you');
    li.append(el('span', 'who', clock(e.ts_ms) + ' ' + who), el('span', 'text', e.text));
    const log = $('chat-log');
    log.append(li);
    while (log.children.length > MAX_CHAT) log.firstChild.remove();
    log.scrollTop = log.scrollHeight;
  }

  async function sendChat(ev) {
    ev.preventDefault();
    const input = $('chat-input');
    const text = input.value.trim();
    if (!text || !chatName) return;
    $('chat-status').textContent = 'sending…';
    try {
      await api('POST', '/api/sandbox/' + encodeURIComponent(chatName) + '/say', {text});
      input.value = '';
      $('chat-status').textContent = '';
    } catch (e) {
      $('chat-status').textContent = 'not sent: ' + e.message;
    }
  }

  // -- health -----------------------------------------------------------------

  async function refreshHealth() {
    const pill = $('health');
    const get = async (path) => {
      try {
        return await api('GET', path, undefined, 3000);
      } catch (e) {
        return e.body && Object.keys(e.body).length ? e.body : {error: e.message};
      }
    };
    const [h, r] = await Promise.all([get('/healthz'), get('/readyz')]);
    if (h.status !== 'ok') {
      pill.textContent = 'unhealthy';
      pill.className = 'pill bad';
      pill.title = h.error || '';
      return;
    }
    const waiting = (r.not_ready || []).map((x) => x.path + ' ' + x.state);
    pill.textContent = r.ready ? 'healthy · ready' : 'healthy · not ready';
    pill.className = 'pill ' + (r.ready ? 'good' : 'warn');
    pill.title = waiting.join('\n') || ('up ' + duration(h.uptime_ms));
  }

  // -- token dialog -----------------------------------------------------------

  function askToken() {
    const d = $('token-dialog');
    if (!d.hidden) return;
    $('token-input').value = token;
    d.hidden = false;
    $('token-input').focus();
  }

  function useToken(ev) {
    ev.preventDefault();
    token = $('token-input').value.trim();
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
    $('token-dialog').hidden = true;
    restartAll();
  }

  // -- wiring -----------------------------------------------------------------

  const events = new Stream('/api/events', onSupervisorEvent, onLinkState);
  const logs = new Stream('/api/logs?follow=1&n=200', onLog, (up) => {
    if (up) $('logs').textContent = '';
  });

  function restartAll() {
    events.restart();
    logs.restart();
    if (chatName) openChat(chatName);
    refreshTree();
    refreshHealth();
  }

  function init() {
    $('token-form').addEventListener('submit', useToken);
    $('token-cancel').addEventListener('click', () => { $('token-dialog').hidden = true; });
    $('forget-token').addEventListener('click', askToken);
    $('policy-form').addEventListener('submit', savePolicy);
    $('policy-close').addEventListener('click', () => {
      $('policy-panel').hidden = true;
      policyPath = null;
    });
    $('chat-form').addEventListener('submit', sendChat);
    $('chat-sandbox').addEventListener('change', (e) => openChat(e.target.value));
    $('logs-clear').addEventListener('click', () => { $('logs').textContent = ''; });
    $('expand-all').addEventListener('click', () => {
      collapsed = new Set();
      saveCollapsed();
      rows.forEach(applyCollapsed);
    });
    $('collapse-all').addEventListener('click', () => {
      collapsed = new Set([...rows.values()]
        .filter((r) => r.node.children && r.node.children.length && r.path !== '')
        .map((r) => r.path));
      saveCollapsed();
      rows.forEach(applyCollapsed);
    });
    $('reload').addEventListener('click', async (e) => {
      e.target.disabled = true;
      try {
        const res = await api('POST', '/api/reload', undefined, 60000);
        notice('reload: ' + ((res.diff && res.diff.summary) || 'no changes'), 'good');
      } catch (err) {
        notice('reload refused: ' + ((err.body.errors || [err.message]).join('; ')), 'bad');
      } finally {
        e.target.disabled = false;
        refreshTree();
      }
    });
    events.start();
    logs.start();
    refreshTree();
    refreshHealth();
    setInterval(refreshTree, TREE_INTERVAL_MS);
    setInterval(refreshHealth, HEALTH_INTERVAL_MS);
    setInterval(tick, 250);
  }

  init();
})();
