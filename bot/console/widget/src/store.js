// Persistent state in localStorage, shared by every page of the site (same origin).

function randomHex(bytes) {
  const buffer = new Uint8Array(bytes);
  // getRandomValues works on plain http pages too (randomUUID needs a secure context).
  window.crypto.getRandomValues(buffer);
  return Array.from(buffer, (b) => b.toString(16).padStart(2, '0')).join('');
}

function newSessionId() {
  return randomHex(16); // 32 hex characters, like Rasa's uuid4().hex
}

function newClientMessageId() {
  return 'c' + randomHex(12);
}

class Store {
  constructor(prefix) {
    this.prefix = prefix;
  }

  get(name) {
    try {
      return window.localStorage.getItem(`${this.prefix}:${name}`);
    } catch (e) {
      return null; // storage disabled: the widget still works for this page view
    }
  }

  set(name, value) {
    try {
      if (value === null || value === undefined) window.localStorage.removeItem(`${this.prefix}:${name}`);
      else window.localStorage.setItem(`${this.prefix}:${name}`, value);
    } catch (e) {
      /* ignore: private mode or full storage */
    }
  }

  getJson(name, fallback) {
    const raw = this.get(name);
    if (!raw) return fallback;
    try {
      return JSON.parse(raw);
    } catch (e) {
      return fallback;
    }
  }

  setJson(name, value) {
    this.set(name, JSON.stringify(value));
  }

  sessionId() {
    let id = this.get('session');
    if (!id || !/^[0-9a-f]{32}$/.test(id)) {
      id = newSessionId();
      this.set('session', id);
    }
    return id;
  }

  resetSession() {
    const id = newSessionId();
    this.set('session', id);
    this.set('votes', null);
    return id;
  }
}
