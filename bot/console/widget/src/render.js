// Rendering of message text. Everything goes through textContent / DOM APIs, never innerHTML:
// user and bot text is data, a message such as <img src=x onerror=...> is shown literally.

const URL_PATTERN = /https?:\/\/[^\s<>"'，。；！？、（）()【】《》]+/g;
const STEP_PATTERN = /^\s*(\d{1,2})\s*[.、．)）]\s*/;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

function safeHttpUrl(candidate) {
  // Trailing punctuation is far more likely to end the sentence than the URL.
  const trimmed = candidate.replace(/[.,;:!?]+$/, '');
  try {
    const url = new URL(trimmed);
    if (url.protocol === 'http:' || url.protocol === 'https:') return { href: url.href, text: trimmed };
  } catch (e) {
    /* not a URL */
  }
  return null;
}

/** Append `text` to `parent`, turning http(s) URLs into safe links. */
function appendLinkified(parent, text) {
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const link = safeHttpUrl(match[0]);
    if (!link) continue;
    if (match.index > last) parent.appendChild(document.createTextNode(text.slice(last, match.index)));
    const a = el('a', 'fw-link', link.text);
    a.href = link.href;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    parent.appendChild(a);
    last = match.index + link.text.length;
  }
  if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
}

/**
 * Render message text line by line. Lines starting with "1." / "2、" become numbered steps;
 * line breaks and spaces are preserved (white-space: pre-wrap in the CSS).
 */
function renderText(text, linkify) {
  const body = el('div', 'fw-text');
  const lines = String(text).replace(/\r\n?/g, '\n').split('\n');
  for (const line of lines) {
    const step = linkify ? STEP_PATTERN.exec(line) : null;
    if (step) {
      const row = el('div', 'fw-step');
      row.appendChild(el('span', 'fw-step-num', step[1]));
      const content = el('span', 'fw-step-text');
      appendLinkified(content, line.slice(step[0].length));
      row.appendChild(content);
      body.appendChild(row);
    } else {
      const row = el('div', line.trim() ? 'fw-line' : 'fw-line fw-blank');
      if (linkify) appendLinkified(row, line);
      else row.textContent = line;
      body.appendChild(row);
    }
  }
  return body;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
const ICON_PATHS = {
  chat: 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z',
  up: 'M2 21h4V9H2v12zm20-11a2 2 0 0 0-2-2h-6.3l1-4.6v-.3c0-.4-.2-.8-.4-1.1L13.2 1 6.6 7.6C6.2 8 6 8.5 6 9v10a2 2 0 0 0 2 2h9c.8 0 1.5-.5 1.8-1.2l3-7.1c.1-.2.2-.5.2-.7v-2z',
  down: 'M22 3h-4v12h4V3zM2 14a2 2 0 0 0 2 2h6.3l-1 4.6v.3c0 .4.2.8.4 1.1l1.1 1 6.6-6.6c.4-.4.6-.9.6-1.4V5a2 2 0 0 0-2-2H7c-.8 0-1.5.5-1.8 1.2l-3 7.1c-.1.2-.2.5-.2.7v2z',
};

/** A small inline SVG icon (decorative: hidden from screen readers). */
function icon(name) {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', '16');
  svg.setAttribute('height', '16');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = document.createElementNS(SVG_NS, 'path');
  path.setAttribute('d', ICON_PATHS[name]);
  path.setAttribute('fill', 'currentColor');
  svg.appendChild(path);
  return svg;
}
