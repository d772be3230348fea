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
