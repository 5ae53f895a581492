// Live unread count in the header while a page is open (server-sent events). Without
// JavaScript, or when the stream fails, the count is simply current on every page load.
(function () {
  'use strict';
  if (!window.EventSource) return;
  var link = document.querySelector('a[href="/notifications"]');
  if (!link) return;
  var hidden = link.getAttribute('data-unread-label') || '';
  var source = new EventSource('/notifications/stream');
  // The count is shown on the link and, on phones where the links are folded, on the menu button.
  var menu = document.querySelector('.site-header .menu > summary');
  function show(holder, badge, n) {
    if (n === 0) {
      if (badge) badge.remove();
      return;
    }
    if (!badge) {
      badge = document.createElement('span');
      badge.className = 'count';
      holder.appendChild(document.createTextNode(' '));
      holder.appendChild(badge);
    }
    badge.textContent = String(n);
    var label = document.createElement('span');
    label.className = 'visually-hidden';
    label.textContent = ' ' + hidden;
    badge.appendChild(label);
    return badge;
  }
  source.addEventListener('unread', function (event) {
    var n = parseInt(event.data, 10);
    if (isNaN(n)) return;
    var badge = show(link, document.getElementById('unread-count'), n);
    if (badge) badge.id = 'unread-count';
    if (menu) show(menu, menu.querySelector('.count'), n);
  });
  window.addEventListener('pagehide', function () { source.close(); });
})();

// Inactivity: a minute before the server would end the session, offer to stay. The server
// enforces the limit whatever this script does; without JavaScript the next click simply leads
// to the sign-in page.
(function () {
  'use strict';
  var body = document.body;
  var limit = parseInt(body.getAttribute('data-idle-seconds'), 10);
  if (!limit || limit < 120 || !window.fetch) return;
  var warnTimer, endTimer, box;
  function csrf() {
    var field = document.querySelector('input[name="_csrf"]');
    return field ? field.value : '';
  }
  function signOut() { window.location.assign('/login?idle=1'); }
  function hide() {
    if (box) { box.remove(); box = null; }
  }
  function warn() {
    box = document.createElement('div');
    box.className = 'banner idle-warning';
    box.setAttribute('role', 'alertdialog');
    box.setAttribute('aria-labelledby', 'idle-warning-text');
    var text = document.createElement('p');
    text.id = 'idle-warning-text';
    text.textContent = body.getAttribute('data-idle-warning');
    var stay = document.createElement('button');
    stay.type = 'button';
    stay.className = 'button';
    stay.textContent = body.getAttribute('data-idle-stay');
    stay.addEventListener('click', function () {
      fetch('/session/keep-alive', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'X-CSRF-Token': csrf() }
      }).then(function (r) {
        if (r.ok) { hide(); schedule(); } else { signOut(); }
      }, signOut);
    });
    box.appendChild(text);
    box.appendChild(stay);
    var main = document.getElementById('main');
    main.insertBefore(box, main.firstChild);
    stay.focus();
  }
  function schedule() {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    warnTimer = setTimeout(warn, (limit - 60) * 1000);
    endTimer = setTimeout(signOut, limit * 1000);
  }
  schedule();
})();
