// 发票助手 operator console: queue badges, the live transcript of a ticket and replies without
// a page reload. Plain DOM, textContent only; every POST carries the CSRF token (meta tag).
(function () {
  'use strict';
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute('content') : '';

  function getJSON(url) {
    return fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) { if (!r.ok) { throw new Error('HTTP ' + r.status); } return r.json(); });
  }

  function postForm(url, fields) {
    var body = new URLSearchParams(fields);
    return fetch(url, {
      method: 'POST', credentials: 'same-origin', body: body, redirect: 'manual',
      headers: { 'X-CSRF-Token': csrf, Accept: 'application/json' },
    });
  }

  // ---- badges in the menu ----
  function refreshCounts() {
    getJSON('/operator/api/counts').then(function (counts) {
      document.querySelectorAll('[data-count]').forEach(function (badge) {
        var n = counts[badge.getAttribute('data-count')] || 0;
        badge.textContent = String(n);
        badge.hidden = n === 0;
      });
    }).catch(function () {});
  }
  if (document.querySelector('[data-count]')) {
    refreshCounts();
    setInterval(refreshCounts, 15000);
  }

  // ---- live transcript of a ticket ----
  var list = document.getElementById('transcript');
  function who(line) {
    if (line.role === 'user') { return '用户'; }
    if (line.role === 'agent') { return '客服 ' + (line.agent || ''); }
    if (line.role === 'notice') { return '系统通知'; }
    return '智能助手';
  }
  function append(line) {
    if (list.querySelector('[data-seq="' + line.seq + '"]')) { return; }
    var item = document.createElement('li');
    item.className = 'msg ' + line.role;
    item.setAttribute('data-seq', String(line.seq));
    var name = document.createElement('span');
    name.className = 'who';
    name.textContent = who(line);
    var text = document.createElement('span');
    text.className = 'text';
    text.textContent = line.text;
    item.appendChild(name);
    item.appendChild(text);
    list.appendChild(item);
  }
  function poll() {
    var after = list.getAttribute('data-last') || '-1';
    var ticket = list.getAttribute('data-ticket');
    return getJSON('/operator/api/tickets/' + encodeURIComponent(ticket) + '/messages?after=' + after)
      .then(function (body) {
        var atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
        body.lines.forEach(append);
        list.setAttribute('data-last', String(body.last));
        if (body.lines.length && atBottom) { list.scrollTop = list.scrollHeight; }
      }).catch(function () {});
  }
  if (list) {
    list.scrollTop = list.scrollHeight;
    setInterval(poll, list.getAttribute('data-live') === '1' ? 1500 : 5000);
  }

  // ---- replies ----
  var form = document.getElementById('reply-form');
  if (form) {
    var box = document.getElementById('reply-text');
    var state = document.getElementById('reply-state');
    var composing = false;
    // A reply being written survives a reload of the page (this tab only).
    var draftKey = 'fapiao-operator:reply:' + form.getAttribute('action');
    try { box.value = sessionStorage.getItem(draftKey) || ''; } catch (e) { /* storage off */ }
    box.addEventListener('input', function () {
      try { sessionStorage.setItem(draftKey, box.value); } catch (e) { /* storage off */ }
    });
    box.addEventListener('compositionstart', function () { composing = true; });
    box.addEventListener('compositionend', function () { composing = false; });
    box.addEventListener('keydown', function (event) {
      if (event.key === 'Enter' && !event.shiftKey && !composing && !event.isComposing && event.keyCode !== 229) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var text = box.value.trim();
      if (!text) { return; }
      state.textContent = '发送中…';
      postForm(form.getAttribute('action'), { text: text }).then(function (response) {
        if (response.ok) {
          box.value = '';
          try { sessionStorage.removeItem(draftKey); } catch (e) { /* storage off */ }
          state.textContent = '已发送';
          return poll();
        }
        return response.json().then(function (body) { state.textContent = body.message || '发送失败'; },
          function () { state.textContent = '发送失败，请重试'; });
      }).catch(function () { state.textContent = '网络中断，消息未发送，请重试'; });
    });
  }
})();
