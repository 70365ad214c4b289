// LTI pages: a deep-linking answer posts itself to the LMS (the button stays for browsers
// without script), and a finished dynamic registration tells the LMS it may close its window.
(function () {
  var form = document.querySelector('form[data-autosubmit]');
  if (form) { form.submit(); }
  if (document.querySelector('[data-lti-close]')) {
    var to = window.opener || (window.parent !== window ? window.parent : null);
    if (to) { to.postMessage({ subject: 'org.imsglobal.lti.close' }, '*'); }
  }
})();
