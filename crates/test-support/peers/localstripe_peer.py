"""localstripe, plus the two subscription parameters of "op factuur" it lacks.

localstripe 1.15 refuses `collection_method` and `days_until_due` on subscriptions. This starts
the unchanged server after teaching its Subscription the documented Stripe behaviour for
`collection_method=send_invoice`: the subscription is active at once, and its first invoice is
finalized and left open (not charged) with `due_date` = now + `days_until_due` days. Everything
else, including `charge_automatically`, is localstripe's own.
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
    pending = [ii for ii in Invoice._api_list_all(
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


Subscription.__init__ = _init
Subscription._create_invoice = _create_invoice

if __name__ == '__main__':
    sys.exit(server.start())
