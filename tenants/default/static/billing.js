// The payment step of the checkout: Stripe.js confirms the setup intent with a card (Stripe's
// card element) or a SEPA direct debit mandate (the IBAN goes from this page straight to Stripe,
// never to our server); the form then posts the confirmed intent to the server.
(function () {
  var form = document.getElementById('betaal-form');
  if (!form || typeof Stripe === 'undefined') return;
  var stripe = Stripe(form.dataset.key);
  var card = stripe.elements().create('card');
  card.mount('#kaart');
  var error = document.getElementById('betaal-fout');
  var button = document.getElementById('betaal-knop');
  var cardField = document.getElementById('kaart-veld');
  var sepaFields = document.getElementById('sepa-velden');
  function method() {
    var checked = form.querySelector('input[name=methode]:checked');
    return checked ? checked.value : 'card';
  }
  form.querySelectorAll('input[name=methode]').forEach(function (radio) {
    radio.addEventListener('change', function () {
      var sepa = method() === 'sepa_debit';
      sepaFields.hidden = !sepa;
      cardField.hidden = sepa;
    });
  });
  function fail(message) {
    error.textContent = message || 'De betaalgegevens zijn niet geaccepteerd.';
    error.hidden = false;
    error.setAttribute('tabindex', '-1');
    error.focus();
    button.disabled = false;
  }
  form.addEventListener('submit', function (event) {
    if (document.getElementById('setup_intent').value) return;
    event.preventDefault();
    button.disabled = true;
    error.hidden = true;
    var secret = form.dataset.clientSecret;
    var confirm;
    if (method() === 'sepa_debit') {
      var iban = document.getElementById('iban').value.replace(/\s+/g, '').toUpperCase();
      if (!/^[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}$/.test(iban)) {
        fail('Vul een geldig IBAN in, bijvoorbeeld NL91 ABNA 0417 1643 00.');
        document.getElementById('iban').setAttribute('aria-invalid', 'true');
        return;
      }
      confirm = stripe.confirmSepaDebitSetup(secret, {
        payment_method: {
          sepa_debit: { iban: iban },
          billing_details: {
            name: document.getElementById('rekeninghouder').value || form.dataset.name,
            email: form.dataset.email
          }
        }
      });
    } else {
      confirm = stripe.confirmCardSetup(secret, { payment_method: { card: card } });
    }
    confirm.then(function (result) {
      if (result.error) {
        fail(result.error.message);
        return;
      }
      document.getElementById('setup_intent').value = result.setupIntent.id;
      form.submit();
    });
  });
})();
