"""localstripe, plus the subscription parameters it lacks and we use.

localstripe 1.15 refuses `collection_method` and `days_until_due` on subscriptions, and
`proration_behavior` on their updates. This starts the unchanged server after teaching its
Subscription the documented Stripe behaviour:

- `collection_method=send_invoice`: the subscription is active at once, and its first invoice is
  finalized and left open (not charged) with `due_date` = now + `days_until_due` days;
- `proration_behavior=always_invoice` on an update: the proration is invoiced at once (charged
  for `charge_automatically`, left open with a due date for `send_invoice`);
  `proration_behavior=none`: no proration items. (localstripe's own proration credits the whole
  previous invoice, which equals Stripe's only at the start of a period.)

Everything else is localstripe's own.
"""
import sys
import time

from localstripe import resources, server

Subscription = resources.Subscription
Invoice = resources.Invoice
_original_init = Subscription.__init__
_original_create_invoice = Subscription._create_invoice


def _init(self, *args, collection_method=None, days_until_due=None, **kwargs):
    if collection_method not in (None, 'charge_automatically', 'send_invoice'):
        raise resources.UserError(400, 'Bad request: collection_method')
    self.collection_method = collection_method or 'charge_automatically'
    self.days_until_due = (resources.try_convert_to_int(days_until_due)
                           if days_until_due is not None else None)
    if self.collection_method == 'send_invoice' and not self.days_until_due:
        raise resources.UserError(400, 'Bad request: days_until_due')
    _original_init(self, *args, **kwargs)


def _create_invoice(self):
    if getattr(self, 'collection_method', None) != 'send_invoice':
        return _original_create_invoice(self)
    pending = [ii for ii in resources.InvoiceItem._api_list_all(
        None, customer=self.customer, limit=99)._list if ii.invoice is None]
    invoice = Invoice(
        customer=self.customer,
        subscription=self.id,
        items=pending + list(self.items._list),
        tax_percent=self.tax_percent,
        default_tax_rates=[tr.id for tr in (self.default_tax_rates or [])],
        date=self.current_period_start)
    invoice.collection_method = 'send_invoice'
    invoice.due_date = int(time.time()) + self.days_until_due * 86400
    invoice._finalize()
    self.status = 'active'
    self.latest_invoice = invoice.id


def _invoice_now(sub):
    # The proration now: localstripe's credit for the old plan plus the new plan's price.
    pending = [ii for ii in resources.InvoiceItem._api_list_all(
        None, customer=sub.customer, limit=99)._list if ii.invoice is None]
    invoice = Invoice(
        customer=sub.customer,
        subscription=sub.id,
        items=pending + list(sub.items._list),
        tax_percent=sub.tax_percent,
        default_tax_rates=[tr.id for tr in (sub.default_tax_rates or [])],
        date=int(time.time()))
    if getattr(sub, 'collection_method', None) == 'send_invoice':
        invoice.collection_method = 'send_invoice'
        invoice.due_date = int(time.time()) + sub.days_until_due * 86400
        invoice._finalize()
    else:
        invoice._finalize()
        Invoice._api_pay_invoice(invoice.id)


_original_update = Subscription._update


def _update(self, proration_behavior=None, **data):
    if proration_behavior not in (None, 'create_prorations', 'none', 'always_invoice'):
        raise resources.UserError(400, 'Bad request: proration_behavior')
    pending = {ii.id for ii in resources.InvoiceItem._api_list_all(
        None, customer=self.customer, limit=99)._list if ii.invoice is None}
    _original_update(self, **data)
    if proration_behavior == 'none':
        for ii in resources.InvoiceItem._api_list_all(
                None, customer=self.customer, limit=99)._list:
            if ii.invoice is None and ii.id not in pending and ii.proration:
                resources.InvoiceItem._api_delete(ii.id)
    elif proration_behavior == 'always_invoice':
        _invoice_now(self)


Subscription.__init__ = _init
Subscription._create_invoice = _create_invoice
Subscription._update = _update

if __name__ == '__main__':
    sys.exit(server.start())
