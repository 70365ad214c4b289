// The payment step of the checkout: Stripe.js collects the card details in its own element and
// confirms the setup intent; the form then posts the confirmed intent to the server.
(function () {
  var form = document.getElementById('betaal-form');
  if (!form || typeof Stripe === 'undefined') return;
  var stripe = Stripe(form.dataset.key);
  var card = stripe.elements().create('card');
  card.mount('#kaart');
  var error = document.getElementById('betaal-fout');
  var button = document.getElementById('betaal-knop');
  form.addEventListener('submit', function (event) {
    if (document.getElementById('setup_intent').value) return;
    event.preventDefault();
    button.disabled = true;
    error.hidden = true;
    stripe.confirmCardSetup(form.dataset.clientSecret, { payment_method: { card: card } })
      .then(function (result) {
        if (result.error) {
          error.textContent = result.error.message || 'De betaalgegevens zijn niet geaccepteerd.';
          error.hidden = false;
          button.disabled = false;
          return;
        }
        document.getElementById('setup_intent').value = result.setupIntent.id;
        form.submit();
      });
  });
})();
