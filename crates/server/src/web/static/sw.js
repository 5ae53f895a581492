// Kabinet's service worker: shows a web push message and opens its page when clicked. It caches
// nothing: every page comes from the server.
'use strict';
self.addEventListener('push', function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {}; }
  var title = data.title || 'Кабинет';
  event.waitUntil(self.registration.showNotification(title, {
    body: data.body || '',
    data: { link: data.link || '/notifications' },
    lang: 'ru',
  }));
});
self.addEventListener('notificationclick', function (event) {
  event.notification.close();
  var link = (event.notification.data && event.notification.data.link) || '/notifications';
  event.waitUntil(self.clients.openWindow(link));
});
