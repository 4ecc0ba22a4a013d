// The view's side of the MCP Apps host protocol (io.modelcontextprotocol/ui,
// revision 2026-01-26): JSON-RPC 2.0 over postMessage with the host window.
// Written out rather than taken from @modelcontextprotocol/ext-apps so the
// bundle stays small and has no code that strict hosts' CSP blocks.

export const PROTOCOL_VERSION = '2026-01-26';

export class HostBridge {
  constructor(target = window.parent) {
    this.target = target;
    this.nextId = 1;
    this.pending = new Map();
    this.notificationHandlers = new Map();
    this.requestHandlers = new Map();
    this.onMessage = this.onMessage.bind(this);
    window.addEventListener('message', this.onMessage);
  }

  // on registers fn for a host notification (fn(params)).
  on(method, fn) {
    this.notificationHandlers.set(method, fn);
  }

  // handle registers fn for a host request; its return value (or promise)
  // is the result.
  handle(method, fn) {
    this.requestHandlers.set(method, fn);
  }

  request(method, params) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.post({ jsonrpc: '2.0', id, method, params });
    });
  }

  notify(method, params) {
    this.post({ jsonrpc: '2.0', method, params });
  }

  // initialize performs ui/initialize and ui/notifications/initialized, and
  // resolves to the host's answer (hostContext, hostCapabilities...).
  async initialize(appInfo, appCapabilities) {
    const result = await this.request('ui/initialize', {
      appInfo,
      appCapabilities,
      protocolVersion: PROTOCOL_VERSION,
    });
    this.notify('ui/notifications/initialized', {});
    return result || {};
  }

  // callServerTool calls a tool of the server through the host (hosts that
  // grant serverTools): how a tile layer would fetch its tiles.
  callServerTool(name, args) {
    return this.request('tools/call', { name, arguments: args });
  }

  log(level, data) {
    this.notify('notifications/message', { level, logger: 'view_map', data });
  }

  post(msg) {
    this.target.postMessage(msg, '*');
  }

  onMessage(event) {
    if (event.source !== this.target) return;
    const msg = event.data;
    if (!msg || msg.jsonrpc !== '2.0') return;
    if (msg.method === undefined) {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.error) p.reject(new Error(msg.error.message || 'host error'));
      else p.resolve(msg.result);
      return;
    }
    if (msg.id === undefined) {
      const fn = this.notificationHandlers.get(msg.method);
      if (fn) fn(msg.params || {});
      return;
    }
    const fn = this.requestHandlers.get(msg.method);
    if (!fn) {
      this.post({ jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: 'Method not found: ' + msg.method } });
      return;
    }
    Promise.resolve()
      .then(() => fn(msg.params || {}))
      .then(
        (result) => this.post({ jsonrpc: '2.0', id: msg.id, result: result || {} }),
        (err) => this.post({ jsonrpc: '2.0', id: msg.id, error: { code: -32603, message: String(err && err.message) } }),
      );
  }
}
