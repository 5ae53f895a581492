// An application's step, enhanced: each answer is checked by the server as soon as the citizen
// leaves it — the same checks and the same words as when the step is sent — so a wrong SNILS or
// date is seen before «Продолжить». Only answers already left are judged (an empty field the
// citizen has not reached yet is not an error yet). Without JavaScript the step is checked when
// it is sent, as always; the server stays the authority either way.
(function () {
  'use strict';
  var form = document.querySelector('form[data-live-check]');
  if (!form || !window.fetch || !window.URLSearchParams || !window.FormData) return;
  var url = form.getAttribute('data-live-check');
  var touched = {};
  var asked = 0;

  function described(el, id, on) {
    var ids = (el.getAttribute('aria-describedby') || '').split(/\s+/).filter(function (x) {
      return x && x !== id;
    });
    if (on) ids.push(id);
    if (ids.length) el.setAttribute('aria-describedby', ids.join(' '));
    else el.removeAttribute('aria-describedby');
  }

  // The message under a field, drawn as the server draws it: inside the field's block, after its
  // label (or legend) and hint, named by the control's aria-describedby.
  function say(name, text) {
    var el = document.getElementById(name);
    if (!el) return;
    var block = el.closest('.field');
    if (!block) return;
    var id = name + '-error';
    var message = document.getElementById(id);
    if (!text) {
      if (message) message.remove();
      block.classList.remove('has-error');
      el.removeAttribute('aria-invalid');
      described(el, id, false);
      return;
    }
    if (!message) {
      message = document.createElement('span');
      message.className = 'error-message';
      message.id = id;
      var hint = document.getElementById(name + '-hint');
      var after = hint || (el.tagName === 'FIELDSET' ? el.querySelector('legend') : block.querySelector('label'));
      if (el.type === 'checkbox' && !hint) block.insertBefore(message, block.firstChild);
      else if (after && after.parentNode) after.parentNode.insertBefore(message, after.nextSibling);
      else block.insertBefore(message, block.firstChild);
    }
    message.textContent = text;
    block.classList.add('has-error');
    if (el.tagName !== 'FIELDSET') el.setAttribute('aria-invalid', 'true');
    described(el, id, true);
  }

  function check() {
    var mine = ++asked;
    fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams(new FormData(form)).toString()
    }).then(function (r) {
      return r.ok ? r.json() : null;
    }).then(function (found) {
      // A later check answers for newer typing; a failed one leaves the page as it is.
      if (!found || mine !== asked) return;
      Object.keys(touched).forEach(function (name) {
        say(name, found.problems[name] || '');
      });
    }, function () {});
  }

  function left(event) {
    var name = event.target && event.target.name;
    if (!name || name.charAt(0) === '_') return;
    touched[name] = true;
    check();
  }
  form.addEventListener('focusout', left);
  form.addEventListener('change', left);
})();
