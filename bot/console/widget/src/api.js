// Calls to the console's public HTTP API (history, announcements, feedback).

const API_TIMEOUT_MS = 8000;

async function apiRequest(config, method, path, body) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), API_TIMEOUT_MS);
  try {
    const response = await fetch(config.apiUrl + path, {
      method,
      headers: body ? { 'Content-Type': 'application/json' } : {},
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

function fetchHistory(config, sessionId) {
  return apiRequest(config, 'GET', `/api/history/${encodeURIComponent(sessionId)}`);
}

function fetchAnnouncements(config) {
  return apiRequest(config, 'GET', '/api/announcements/active');
}

function postFeedback(config, body) {
  return apiRequest(config, 'POST', '/api/feedback', body);
}
