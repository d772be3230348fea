// Calls to the console's public HTTP API (history, announcements, feedback).

const API_TIMEOUT_MS = 8000;

// History and feedback belong to one conversation: they carry its session token.
const SESSION_HEADER = 'X-Fapiao-Session';

async function apiRequest(config, method, path, body, sessionToken) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), API_TIMEOUT_MS);
  const headers = body ? { 'Content-Type': 'application/json' } : {};
  if (sessionToken) headers[SESSION_HEADER] = sessionToken;
  try {
    const response = await fetch(config.apiUrl + path, {
      method,
      headers,
      body: body ? JSON.stringify(body) : undefined,
      signal: controller.signal,
      credentials: 'omit',
    });
    let data = null;
    try {
      data = await response.json();
    } catch (e) {
      data = null;
    }
    return { ok: response.ok, status: response.status, data };
  } catch (e) {
    return { ok: false, status: 0, data: null };
  } finally {
    clearTimeout(timer);
  }
}

function sessionIdOf(token) {
  return String(token || '').split('.')[0];
}

function fetchHistory(config, sessionToken) {
  if (!sessionToken) return Promise.resolve({ ok: false, status: 0, data: null });
  return apiRequest(config, 'GET', `/api/history/${encodeURIComponent(sessionIdOf(sessionToken))}`,
    undefined, sessionToken);
}

function fetchAnnouncements(config) {
  return apiRequest(config, 'GET', '/api/announcements/active');
}

function postFeedback(config, body, sessionToken) {
  return apiRequest(config, 'POST', '/api/feedback', body, sessionToken);
}
