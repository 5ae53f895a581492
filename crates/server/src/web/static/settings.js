// The notification settings page, enhanced: the category × channel table saves itself as boxes
// are ticked, and web push can be turned on in this browser. Without JavaScript the table is a
// plain form with its button, and push stays off.

// Saving the table at once.
(function () {
  'use strict';
  var form = document.querySelector('form[data-autosave]');
  if (!form || !window.fetch || !window.URLSearchParams) return;
  var status = document.getElementById('settings-status');
  function say(text) { if (status) status.textContent = text; }
  form.addEventListener('change', function (event) {
    var box = event.target;
    if (!box || box.type !== 'checkbox') return;
    say('');
    fetch(form.action, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(new FormData(form)).toString()
    }).then(function (r) {
      if (r.ok) {
        say(form.getAttribute('data-saved') || '');
      } else {
        box.checked = !box.checked;
        say(form.getAttribute(r.status === 422 ? 'data-refused' : 'data-failed') || '');
      }
    }, function () {
      box.checked = !box.checked;
      say(form.getAttribute('data-failed') || '');
    });
  });
})();

// «Уведомления в браузере»: registers the service worker, asks the browser to subscribe with the
// server's key and sends the subscription to the server. Without JavaScript, the Push API or a
// service worker the button stays hidden; every other channel works without it.
(function () {
  'use strict';
  var button = document.querySelector('[data-push-key]');
  if (!button || !('serviceWorker' in navigator) || !window.PushManager) return;
  var section = button.closest('[data-push-section]');
  if (section) section.hidden = false;
  button.hidden = false;
  var status = document.getElementById('push-status');
  function say(text) { if (status) status.textContent = text; }
  function key(text) {
    var b64 = text.replace(/-/g, '+').replace(/_/g, '/');
    while (b64.length % 4) b64 += '=';
    var raw = atob(b64);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  function csrf() {
    var field = document.querySelector('input[name="_csrf"]');
    return field ? field.value : '';
  }
  button.addEventListener('click', function () {
    button.disabled = true;
    say('');
    navigator.serviceWorker.register('/sw.js').then(function (registration) {
      return registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: key(button.getAttribute('data-push-key'))
      });
    }).then(function (subscription) {
      return fetch('/notifications/push', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf() },
        body: JSON.stringify(subscription.toJSON())
      });
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) throw new Error(data.error || '');
        window.location.assign(data.redirect || '/notifications/settings#push');
      });
    }).catch(function (err) {
      button.disabled = false;
      say((err && err.message) || button.getAttribute('data-failed') || '');
    });
  });
})();
