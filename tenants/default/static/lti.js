// LTI pages. A deep-linking answer posts itself to the LMS (the button stays for browsers
// without script); a finished dynamic registration tells the LMS it may close its window; and
// inside the LMS's frame, where our cookies may not come along, the login's state goes through
// the platform's postMessage storage (LTI Client Side postMessages: lti.put_data and
// lti.get_data), after which the launch opens in a window of its own.
(function () {
  var form = document.querySelector('form[data-autosubmit]');
  if (form) { form.submit(); }
  if (document.querySelector('[data-lti-close]')) {
    var to = window.opener || (window.parent !== window ? window.parent : null);
    if (to) { to.postMessage({ subject: 'org.imsglobal.lti.close' }, '*'); }
  }

  function storageFrame(name) {
    if (name === '_parent') { return window.parent; }
    try { return window.parent.frames[name] || window.parent; } catch (e) { return window.parent; }
  }
  // Sends one message to the platform's storage and calls back with its answer (or null).
  function ask(el, message, done) {
    var id = 'zk-' + Math.random().toString(36).slice(2);
    var origin = el.getAttribute('data-origin') || '*';
    var answered = false;
    function listen(event) {
      if (origin !== '*' && event.origin !== origin) { return; }
      var data = event.data || {};
      if (data.message_id !== id) { return; }
      answered = true;
      window.removeEventListener('message', listen);
      done(data.error ? null : data);
    }
    window.addEventListener('message', listen);
    message.message_id = id;
    storageFrame(el.getAttribute('data-target')).postMessage(message, origin);
    setTimeout(function () { if (!answered) { window.removeEventListener('message', listen); done(null); } }, 2000);
  }

  var put = document.querySelector('[data-lti-storage-put]');
  if (put) {
    var state = put.getAttribute('data-state');
    ask(put, { subject: 'lti.put_data', key: 'zk_state_' + state, value: state }, function () {
      window.location.href = put.getAttribute('data-auth');
    });
  }

  var get = document.querySelector('[data-lti-storage-get]');
  if (get) {
    var expected = get.getAttribute('data-state');
    ask(get, { subject: 'lti.get_data', key: 'zk_state_' + expected }, function (answer) {
      if (!answer || answer.value !== expected) {
        // No storage answer: a window of our own may still carry our cookie.
        window.location.href = get.getAttribute('data-next');
        return;
      }
      var body = new URLSearchParams();
      body.set('state', answer.value);
      fetch(get.getAttribute('data-check'), { method: 'POST', body: body, credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (j) {
          if (!j || !j.url) { window.location.href = get.getAttribute('data-next'); return; }
          var link = document.querySelector('[data-lti-open]');
          link.setAttribute('href', j.url);
          document.querySelector('[data-lti-open-wrap]').hidden = false;
          link.focus();
        });
    });
  }
})();
