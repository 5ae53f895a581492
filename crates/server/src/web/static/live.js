// Live unread count in the header while a page is open (server-sent events). Without
// JavaScript, or when the stream fails, the count is simply current on every page load.
(function () {
  'use strict';
  if (!window.EventSource) return;
  var link = document.querySelector('a[href="/notifications"]');
  if (!link) return;
  var hidden = link.getAttribute('data-unread-label') || '';
  var source = new EventSource('/notifications/stream');
  source.addEventListener('unread', function (event) {
    var n = parseInt(event.data, 10);
    if (isNaN(n)) return;
    var badge = document.getElementById('unread-count');
    if (n === 0) {
      if (badge) badge.remove();
      return;
    }
    if (!badge) {
      badge = document.createElement('span');
      badge.className = 'count';
      badge.id = 'unread-count';
      link.appendChild(document.createTextNode(' '));
      link.appendChild(badge);
    }
    badge.textContent = String(n);
    var label = document.createElement('span');
    label.className = 'visually-hidden';
    label.textContent = ' ' + hidden;
    badge.appendChild(label);
  });
  window.addEventListener('pagehide', function () { source.close(); });
})();
