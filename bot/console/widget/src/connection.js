// The socket.io conversation with Rasa (docs/channels.md §4.2.2) plus an outbox.
//
// The server mints the session: the widget presents the token it was given last time (or none)
// in session_request, and session_confirm carries the token of the conversation this socket
// may use (a fresh one when the old token is missing or no longer valid).
//
// Every user message gets a client message id and stays in the outbox until the server
// acknowledges it. Messages are only emitted while the session is confirmed; after a
// reconnect the unacknowledged ones are emitted again and the server
// (bot.rasa_plugins.channels.socketio_fixed) drops any it has already received, so a message is processed
// once, never lost and never twice.

const ACK_TIMEOUT_MS = 60000;
const RETRY_AFTER_ERROR_MS = 3000;

class Connection {
  constructor(io, config, handlers) {
    this.io = io;
    this.config = config;
    this.handlers = handlers; // onStatus(state), onBotMessage(msg), onAck(item, ack), onSession(token)
    this.socket = null;
    this.sessionToken = null;
    this.ready = false;
    this.outbox = [];
    this.wasConnected = false;
  }

  start(sessionToken) {
    this.sessionToken = sessionToken;
    this.ready = false;
    this.socket = this.io(this.config.serverUrl, {
      path: this.config.socketPath,
      transports: this.config.transports,
      tryAllTransports: true,
      reconnection: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 4000,
      timeout: 8000,
    });
    const socket = this.socket;
    socket.on('connect', () => {
      socket.emit('session_request', this.sessionToken ? { session_id: this.sessionToken } : {});
    });
    socket.on('session_confirm', (confirmed) => {
      // Rasa sends the session as a plain string; older servers sent {session_id}.
      const token = typeof confirmed === 'string' ? confirmed : confirmed && confirmed.session_id;
      if (!token) return;
      if (token !== this.sessionToken) {
        // A session the server minted for us: messages waiting in the outbox go to it.
        this.sessionToken = token;
        for (const item of this.outbox) item.sessionToken = token;
        this.handlers.onSession(token);
      }
      this.ready = true;
      this.handlers.onStatus(this.wasConnected ? 'reconnected' : 'connected');
      this.wasConnected = true;
      this.flush();
    });
    socket.on('bot_uttered', (message) => {
      if (message && typeof message === 'object') this.handlers.onBotMessage(message);
    });
    socket.on('disconnect', (reason) => {
      this.ready = false;
      for (const item of this.outbox) item.attempt += 1; // stale acks of the old socket are ignored
      this.handlers.onStatus('disconnected', reason);
      if (reason === 'io server disconnect') socket.connect(); // the server kicked us: try again
    });
    socket.on('connect_error', () => {
      this.handlers.onStatus(this.wasConnected ? 'disconnected' : 'connecting');
    });
  }

  /** Queue a user message; returns the outbox item (its id is the client message id). */
  send(message, extraMetadata) {
    const item = {
      id: newClientMessageId(),
      sessionToken: this.sessionToken,
      message,
      metadata: Object.assign({}, extraMetadata || {}),
      attempt: 0,
      inFlight: false,
    };
    this.outbox.push(item);
    this.flush();
    return item;
  }

  flush() {
    if (!this.socket || !this.ready || !this.socket.connected) return;
    for (const item of this.outbox) {
      if (item.inFlight) continue;
      this.emit(item);
    }
  }

  emit(item) {
    item.inFlight = true;
    const attempt = item.attempt;
    const payload = {
      message: item.message,
      session_id: item.sessionToken,
      metadata: Object.assign({}, item.metadata, { client_message_id: item.id }),
    };
    this.socket.timeout(ACK_TIMEOUT_MS).emit('user_uttered', payload, (err, ack) => {
      if (attempt !== item.attempt) return; // answered on a socket we no longer use
      if (err || (ack && ack.status === 'error')) {
        // No answer in time, or the turn failed on the server (nothing was recorded there):
        // emit again; the server de-duplicates.
        item.inFlight = false;
        item.attempt += 1;
        setTimeout(() => this.flush(), err ? 0 : RETRY_AFTER_ERROR_MS);
        return;
      }
      this.outbox = this.outbox.filter((other) => other !== item);
      this.handlers.onAck(item, ack || {});
    });
  }

  hasPending() {
    return this.outbox.length > 0;
  }

  /** Leave the current conversation: drop queued messages, reconnect for a fresh session. */
  restart() {
    this.outbox = [];
    this.sessionToken = null;
    this.ready = false;
    if (this.socket) {
      // A fresh socket leaves the old session's room, so its late replies never show here.
      this.socket.disconnect();
      this.wasConnected = false;
      this.socket.connect();
    }
  }
}
