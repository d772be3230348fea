// The widget: launcher, panel, message log, composer. Rendered inside a shadow root so the host
// page's CSS cannot break it and its CSS cannot leak into the page.

const STATUS_TEXT = {
  connecting: '正在连接…',
  disconnected: '连接已断开，正在重连…',
  reconnected: '已重新连接',
};

const ANNOUNCEMENT_LABEL = { maintenance: '系统维护', incident: '故障通知' };

function formatTime(iso) {
  // Announcement times are Beijing time whatever the visitor's computer is set to.
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return new Intl.DateTimeFormat('zh-CN', {
    timeZone: 'Asia/Shanghai', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false,
  }).format(date);
}

class Widget {
  constructor(config, io, styles) {
    this.config = config;
    this.io = io;
    this.styles = styles;
    this.store = new Store(config.storageKey);
    this.sessionToken = this.store.sessionToken(); // null: the server mints a session
    this.connection = null;
    this.botCount = 0;
    this.historyLoaded = false;
    this.pendingBubbles = new Map(); // client message id -> user bubble
    this.votes = this.store.getJson('votes', {});
    this.composing = false;
  }

  mount() {
    const host = el('div');
    host.id = 'fapiao-widget';
    host.setAttribute('data-session-id-present', 'true');
    document.body.appendChild(host);
    const root = host.attachShadow({ mode: 'open' });
    this.host = host;
    this.root = root;

    const style = el('style');
    style.textContent = this.styles;
    root.appendChild(style);

    const container = el('div', `fw-root fw-${this.config.position}`);
    container.style.setProperty('--fw-primary', this.config.primaryColor);
    root.appendChild(container);
    this.container = container;

    this.launcher = el('button', 'fw-launcher');
    this.launcher.type = 'button';
    this.launcher.setAttribute('aria-label', `打开${this.config.title}`);
    this.launcher.setAttribute('aria-expanded', 'false');
    this.launcher.appendChild(icon('chat'));
    this.launcher.appendChild(el('span', 'fw-launcher-text', '在线咨询'));
    this.unreadDot = el('span', 'fw-unread');
    this.unreadDot.hidden = true;
    this.launcher.appendChild(this.unreadDot);
    this.launcher.addEventListener('click', () => this.open());
    container.appendChild(this.launcher);

    container.appendChild(this.buildPanel());
    if (this.config.open || this.store.get('open') === '1') this.open({ focus: false });
  }

  buildPanel() {
    const panel = el('section', 'fw-panel');
    panel.hidden = true;
    panel.setAttribute('role', 'dialog');
    panel.setAttribute('aria-label', this.config.title);
    panel.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.close();
    });
    this.panel = panel;

    const header = el('header', 'fw-header');
    const titles = el('div', 'fw-titles');
    titles.appendChild(el('h2', 'fw-title', this.config.title));
    titles.appendChild(el('p', 'fw-subtitle', this.config.subtitle));
    header.appendChild(titles);
    const newChat = el('button', 'fw-header-btn fw-new', '新对话');
    newChat.type = 'button';
    newChat.setAttribute('aria-label', '开始新对话');
    newChat.addEventListener('click', () => this.newConversation());
    header.appendChild(newChat);
    const closeBtn = el('button', 'fw-header-btn fw-close', '×');
    closeBtn.type = 'button';
    closeBtn.setAttribute('aria-label', '关闭对话窗口');
    closeBtn.addEventListener('click', () => this.close());
    header.appendChild(closeBtn);
    panel.appendChild(header);

    this.statusBar = el('div', 'fw-status');
    this.statusBar.setAttribute('role', 'status');
    this.statusBar.hidden = true;
    panel.appendChild(this.statusBar);

    this.banners = el('div', 'fw-banners');
    this.banners.setAttribute('aria-live', 'polite');
    panel.appendChild(this.banners);

    this.log = el('div', 'fw-log');
    this.log.setAttribute('role', 'log');
    this.log.setAttribute('aria-live', 'polite');
    this.log.setAttribute('aria-label', '对话记录');
    this.log.tabIndex = 0;
    panel.appendChild(this.log);

    this.typing = el('div', 'fw-typing');
    this.typing.setAttribute('aria-label', '发票助手正在输入');
    this.typing.hidden = true;
    for (let i = 0; i < 3; i += 1) this.typing.appendChild(el('span', 'fw-dot'));
    panel.appendChild(this.typing);

    panel.appendChild(this.buildComposer());
    return panel;
  }

  buildComposer() {
    const form = el('form', 'fw-composer');
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.sendTyped();
    });
    const input = el('textarea', 'fw-input');
    input.rows = 1;
    input.maxLength = 500;
    input.placeholder = '请输入您的问题，按 Enter 发送';
    input.setAttribute('aria-label', '输入您的问题');
    input.addEventListener('input', () => this.autoGrow());
    // IME guard (docs/channels.md §7): Enter that confirms a pinyin candidate must not send.
    input.addEventListener('compositionstart', () => {
      this.composing = true;
    });
    input.addEventListener('compositionend', () => {
      setTimeout(() => {
        this.composing = false;
      }, 0);
    });
    input.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter' || e.shiftKey) return;
      if (this.composing || e.isComposing || e.keyCode === 229) return; // let the IME commit the candidate
      e.preventDefault();
      this.sendTyped();
    });
    this.input = input;
    form.appendChild(input);
    const send = el('button', 'fw-send', '发送');
    send.type = 'submit';
    send.setAttribute('aria-label', '发送消息');
    form.appendChild(send);
    return form;
  }

  autoGrow() {
    this.input.style.height = 'auto';
    this.input.style.height = `${Math.min(this.input.scrollHeight, 120)}px`;
  }

  // ---- opening and closing -------------------------------------------------------------

  async open(options) {
    const focus = !options || options.focus !== false;
    this.panel.hidden = false;
    this.container.classList.add('fw-open');
    this.launcher.setAttribute('aria-expanded', 'true');
    this.unreadDot.hidden = true;
    this.store.set('open', '1');
    if (focus) this.input.focus();
    this.loadAnnouncements();
    if (!this.connection) {
      await this.loadHistory();
      this.connection = new Connection(this.io, this.config, {
        onStatus: (state, reason) => this.showStatus(state, reason),
        onBotMessage: (message) => this.receive(message),
        onAck: (item, ack) => this.acknowledged(item, ack),
        onSession: (token) => this.sessionConfirmed(token),
      });
      this.showStatus('connecting');
      this.connection.start(this.sessionToken);
    }
  }

  close() {
    this.panel.hidden = true;
    this.container.classList.remove('fw-open');
    this.launcher.setAttribute('aria-expanded', 'false');
    this.store.set('open', null);
    this.launcher.focus();
  }

  // ---- history -------------------------------------------------------------------------

  async loadHistory() {
    const result = await fetchHistory(this.config, this.sessionToken);
    this.renderConversation(result.ok && result.data ? result.data.messages || [] : []);
    this.historyLoaded = true;
  }

  renderConversation(messages) {
    this.log.replaceChildren();
    this.botCount = 0;
    this.addBotBubble({ text: this.config.greeting, local: true });
    messages.forEach((message, index) => {
      if (message.role === 'user') {
        this.addUserBubble(message.text);
      } else if (message.role === 'bot') {
        const isLast = index === messages.length - 1;
        this.addBotMessage({ text: message.text, buttons: isLast ? message.buttons : [] }, message.id);
      }
    });
    this.scrollToEnd();
  }

  // ---- announcements -------------------------------------------------------------------

  async loadAnnouncements() {
    const result = await fetchAnnouncements(this.config);
    if (!result.ok || !result.data || !Array.isArray(result.data.announcements)) return;
    const dismissed = this.store.getJson('dismissed', []);
    this.banners.replaceChildren();
    for (const item of result.data.announcements) {
      if (dismissed.includes(item.id)) continue;
      this.banners.appendChild(this.buildBanner(item, dismissed));
    }
  }

  buildBanner(item, dismissed) {
    const banner = el('div', `fw-banner fw-banner-${item.kind === 'incident' ? 'incident' : 'maintenance'}`);
    banner.setAttribute('role', 'alert');
    const head = el('div', 'fw-banner-head');
    head.appendChild(el('span', 'fw-banner-label', ANNOUNCEMENT_LABEL[item.kind] || '公告'));
    head.appendChild(el('strong', 'fw-banner-title', item.title || ''));
    banner.appendChild(head);
    banner.appendChild(renderText(item.message || '', true));
    if (item.expected_recovery) {
      banner.appendChild(el('div', 'fw-banner-eta', `预计恢复时间：${formatTime(item.expected_recovery)}`));
    }
    const dismiss = el('button', 'fw-banner-close', '知道了');
    dismiss.type = 'button';
    dismiss.setAttribute('aria-label', '关闭公告');
    dismiss.addEventListener('click', () => {
      dismissed.push(item.id);
      this.store.setJson('dismissed', dismissed.slice(-50));
      banner.remove();
    });
    banner.appendChild(dismiss);
    return banner;
  }

  // ---- sending -------------------------------------------------------------------------

  sendTyped() {
    const text = this.input.value.trim();
    if (!text) return;
    this.input.value = '';
    this.autoGrow();
    this.sendMessage(text, text, {});
  }

  sendMessage(message, shownText, metadata) {
    if (!this.connection) return;
    this.disableQuickReplies();
    const item = this.connection.send(message, metadata);
    const bubble = this.addUserBubble(shownText, true);
    bubble.dataset.clientMessageId = item.id;
    this.pendingBubbles.set(item.id, bubble);
    this.showTyping(true);
    this.scrollToEnd();
  }

  acknowledged(item, ack) {
    const bubble = this.pendingBubbles.get(item.id);
    this.pendingBubbles.delete(item.id);
    if (bubble) {
      bubble.classList.remove('fw-pending');
      const note = bubble.querySelector('.fw-pending-note');
      if (note) note.remove();
    }
    if (ack.status === 'duplicate') {
      // The server had this message before the connection dropped; its replies may have been
      // emitted while we were away, so re-read the conversation from the tracker store.
      this.resync();
    }
    if (!this.connection.hasPending()) this.showTyping(false);
  }

  /** The server confirmed a session other than the stored one (none stored, or the stored token
   * is no longer valid): remember it; a conversation shown from an old session is cleared. */
  sessionConfirmed(token) {
    const replaced = this.sessionToken && this.sessionToken !== token;
    this.sessionToken = token;
    this.store.setSessionToken(token);
    if (replaced) {
      this.votes = {};
      this.store.set('votes', null);
      const pending = Array.from(this.pendingBubbles.values());
      this.renderConversation([]);
      for (const bubble of pending) this.log.appendChild(bubble);
    }
  }

  async resync() {
    const result = await fetchHistory(this.config, this.sessionToken);
    if (!result.ok || !result.data) return;
    const pending = Array.from(this.pendingBubbles.values());
    this.renderConversation(result.data.messages || []);
    for (const bubble of pending) this.log.appendChild(bubble);
    this.scrollToEnd();
  }

  // ---- receiving -----------------------------------------------------------------------

  receive(message) {
    if (typeof message.text !== 'string') return; // images, custom payloads: not used here
    const buttons = Array.isArray(message.quick_replies) ? message.quick_replies
      : Array.isArray(message.buttons) ? message.buttons : [];
    this.botCount += 1;
    if (message.text.trim() || buttons.length) {
      this.disableQuickReplies();
      this.addBotMessage({ text: message.text, buttons }, `bot-${this.botCount}`, true);
    }
    if (this.panel.hidden) this.unreadDot.hidden = false;
  }

  // ---- message bubbles -----------------------------------------------------------------

  addUserBubble(text, pending) {
    const row = el('div', 'fw-msg fw-user');
    if (pending) row.classList.add('fw-pending');
    const bubble = el('div', 'fw-bubble');
    bubble.appendChild(renderText(text, false));
    row.appendChild(bubble);
    if (pending) row.appendChild(el('div', 'fw-pending-note', '等待发送…'));
    this.log.appendChild(row);
    return row;
  }

  addBotMessage(message, id, live) {
    if (id) {
      const n = Number(String(id).replace('bot-', ''));
      if (Number.isFinite(n)) this.botCount = Math.max(this.botCount, n);
    }
    const row = this.addBotBubble({ text: message.text, buttons: message.buttons, id });
    if (live) this.scrollToMessage(row);
    return row;
  }

  addBotBubble(message) {
    const row = el('div', 'fw-msg fw-bot');
    if (message.id) row.dataset.messageId = message.id;
    if (message.local) row.classList.add('fw-greeting');
    const bubble = el('div', 'fw-bubble');
    bubble.appendChild(renderText(message.text || '', true));
    row.appendChild(bubble);
    const buttons = (message.buttons || []).filter((b) => b && typeof b.title === 'string' && typeof b.payload === 'string');
    if (buttons.length) row.appendChild(this.buildQuickReplies(buttons));
    if (message.id && (message.text || '').trim()) row.appendChild(this.buildVotes(message.id, message.text));
    this.log.appendChild(row);
    return row;
  }

  buildQuickReplies(buttons) {
    const group = el('div', 'fw-quick');
    group.setAttribute('role', 'group');
    group.setAttribute('aria-label', '快捷回复');
    for (const button of buttons) {
      const chip = el('button', 'fw-chip', button.title);
      chip.type = 'button';
      chip.dataset.payload = button.payload;
      chip.addEventListener('click', () => {
        if (chip.disabled) return;
        chip.classList.add('fw-chosen');
        this.sendMessage(button.payload, button.title, { button_title: button.title });
      });
      group.appendChild(chip);
    }
    return group;
  }

  disableQuickReplies() {
    for (const chip of this.log.querySelectorAll('.fw-chip')) chip.disabled = true;
  }

  buildVotes(messageId, text) {
    const box = el('div', 'fw-votes');
    const thanks = el('span', 'fw-vote-thanks');
    const make = (up) => {
      const btn = el('button', `fw-vote ${up ? 'fw-up' : 'fw-down'}`);
      btn.appendChild(icon(up ? 'up' : 'down'));
      btn.type = 'button';
      btn.setAttribute('aria-label', up ? '这条回答有帮助' : '这条回答没帮助');
      btn.setAttribute('aria-pressed', String(this.votes[messageId] === (up ? 'up' : 'down')));
      btn.addEventListener('click', async () => {
        const result = await postFeedback(this.config, {
          kind: 'vote', session_id: sessionIdOf(this.sessionToken), message_id: messageId, text, up,
        }, this.sessionToken);
        if (!result.ok) {
          thanks.textContent = '反馈未能提交，请稍后再试';
          return;
        }
        this.votes[messageId] = up ? 'up' : 'down';
        this.store.setJson('votes', this.votes);
        for (const b of box.querySelectorAll('.fw-vote')) b.setAttribute('aria-pressed', 'false');
        btn.setAttribute('aria-pressed', 'true');
        thanks.textContent = '感谢您的反馈';
        if (!up) this.offerComment(box, messageId, text, thanks);
      });
      return btn;
    };
    box.appendChild(make(true));
    box.appendChild(make(false));
    box.appendChild(thanks);
    return box;
  }

  // After a 👎: an optional comment on what did not help (sent with the same vote).
  offerComment(box, messageId, text, thanks) {
    if (box.querySelector('.fw-comment')) return;
    const form = el('form', 'fw-comment');
    const input = el('input', 'fw-comment-input');
    input.type = 'text';
    input.maxLength = 500;
    input.placeholder = '哪里没帮到您？（可选）';
    input.setAttribute('aria-label', '哪里没帮到您');
    const send = el('button', 'fw-comment-send');
    send.type = 'submit';
    send.textContent = '提交';
    form.appendChild(input);
    form.appendChild(send);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const comment = input.value.trim();
      if (!comment) return;
      const result = await postFeedback(this.config, {
        kind: 'vote', session_id: sessionIdOf(this.sessionToken), message_id: messageId, text, up: false, comment,
      }, this.sessionToken);
      if (!result.ok) {
        thanks.textContent = '留言未能提交，请稍后再试';
        return;
      }
      form.remove();
      thanks.textContent = '感谢您的留言，我们会改进';
    });
    box.appendChild(form);
    input.focus();
  }

  // ---- status, typing, scrolling -------------------------------------------------------

  showStatus(state, reason) {
    clearTimeout(this.statusTimer);
    if (state === 'connected' || (state === 'disconnected' && reason === 'io client disconnect')) {
      this.statusBar.hidden = true;
      this.container.classList.remove('fw-offline');
      return;
    }
    this.statusBar.textContent = STATUS_TEXT[state] || '';
    this.statusBar.dataset.state = state;
    this.statusBar.hidden = false;
    this.container.classList.toggle('fw-offline', state === 'disconnected');
    if (state === 'reconnected') {
      this.statusTimer = setTimeout(() => {
        this.statusBar.hidden = true;
      }, 2500);
    }
  }

  showTyping(on) {
    this.typing.hidden = !on;
    if (on) this.scrollToEnd();
  }

  scrollToEnd() {
    this.log.scrollTop = this.log.scrollHeight;
  }

  scrollToMessage(row) {
    // A long reply is read from its first line, not from its end.
    const top = row.offsetTop - this.log.offsetTop - 8;
    this.log.scrollTop = Math.min(top, this.log.scrollHeight);
  }

  // ---- new conversation ----------------------------------------------------------------

  newConversation() {
    this.store.resetSession();
    this.sessionToken = null;
    this.votes = {};
    this.pendingBubbles.clear();
    this.showTyping(false);
    this.renderConversation([]);
    if (this.connection) this.connection.restart();
    this.input.focus();
  }
}
