// Passkeys (WebAuthn) for the buttons that carry data-passkey: "register", "sign-in", "prove".
// The server sends the options, the browser asks the device, the answer goes back as JSON and
// the server says where to go next. Without JavaScript or WebAuthn the buttons stay hidden and
// the page's forms (password, codes) work as before.
(function () {
  'use strict';
  if (!window.PublicKeyCredential || !navigator.credentials) return;

  function toBytes(text) {
    var b64 = text.replace(/-/g, '+').replace(/_/g, '/');
    while (b64.length % 4) b64 += '=';
    var raw = atob(b64);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out.buffer;
  }
  function toText(buffer) {
    if (!buffer) return null;
    var bytes = new Uint8Array(buffer);
    var raw = '';
    for (var i = 0; i < bytes.length; i++) raw += String.fromCharCode(bytes[i]);
    return btoa(raw).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }
  function csrf() {
    var field = document.querySelector('input[name="_csrf"]');
    return field ? field.value : '';
  }
  function post(url, body) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf() },
      body: JSON.stringify(body || {})
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (data.redirect && (r.ok || r.status === 403)) {
          window.location.assign(data.redirect);
          return new Promise(function () {});
        }
        if (!r.ok) throw new Error(data.error || ('HTTP ' + r.status));
        return data;
      });
    });
  }
  function descriptors(list) {
    return (list || []).map(function (d) {
      return { type: d.type, id: toBytes(d.id), transports: d.transports };
    });
  }
  function creationOptions(o) {
    var pk = o.publicKey;
    pk.challenge = toBytes(pk.challenge);
    pk.user.id = toBytes(pk.user.id);
    pk.excludeCredentials = descriptors(pk.excludeCredentials);
    return { publicKey: pk };
  }
  function requestOptions(o) {
    var pk = o.publicKey;
    pk.challenge = toBytes(pk.challenge);
    pk.allowCredentials = descriptors(pk.allowCredentials);
    return { publicKey: pk };
  }
  function created(c) {
    return {
      id: c.id, rawId: toText(c.rawId), type: c.type,
      extensions: c.getClientExtensionResults ? c.getClientExtensionResults() : {},
      response: {
        attestationObject: toText(c.response.attestationObject),
        clientDataJSON: toText(c.response.clientDataJSON),
        transports: c.response.getTransports ? c.response.getTransports() : undefined
      }
    };
  }
  function asserted(c) {
    return {
      id: c.id, rawId: toText(c.rawId), type: c.type,
      extensions: c.getClientExtensionResults ? c.getClientExtensionResults() : {},
      response: {
        authenticatorData: toText(c.response.authenticatorData),
        clientDataJSON: toText(c.response.clientDataJSON),
        signature: toText(c.response.signature),
        userHandle: toText(c.response.userHandle)
      }
    };
  }

  function run(button) {
    var kind = button.getAttribute('data-passkey');
    var status = document.getElementById(button.getAttribute('aria-describedby') || 'passkey-status');
    var failed = button.getAttribute('data-failed') || '';
    var next = button.getAttribute('data-next') || '';
    function say(text) { if (status) status.textContent = text; }
    say('');
    button.disabled = true;
    post(button.getAttribute('data-options'), {}).then(function (start) {
      var options = kind === 'register' ? creationOptions(start.options) : requestOptions(start.options);
      var ask = kind === 'register' ? navigator.credentials.create(options) : navigator.credentials.get(options);
      return ask.then(function (credential) {
        // Only the fields the ceremony takes: the server refuses any other.
        var body = { ceremony: start.ceremony };
        if (kind === 'register') {
          var name = document.getElementById('passkey-name');
          body.name = name ? name.value : '';
          body.credential = created(credential);
        } else {
          body.next = next;
          body.credential = asserted(credential);
        }
        return post(button.getAttribute('data-finish'), body);
      });
    }).then(function (done) {
      window.location.assign(done.redirect || '/');
    }, function (err) {
      button.disabled = false;
      var cancelled = err && (err.name === 'NotAllowedError' || err.name === 'AbortError');
      say(cancelled ? failed : (err && err.message ? err.message : failed));
    });
  }

  var buttons = document.querySelectorAll('[data-passkey]');
  for (var i = 0; i < buttons.length; i++) {
    var wrap = buttons[i].closest('[data-passkey-section]');
    if (wrap) wrap.hidden = false;
    buttons[i].hidden = false;
    buttons[i].addEventListener('click', function (event) {
      event.preventDefault();
      run(event.currentTarget);
    });
  }
})();
