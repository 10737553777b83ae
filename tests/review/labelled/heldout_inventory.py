"""Inventory service, as an agent might write it (held out: written after the rules were tuned)."""

import threading


class Inventory:
    """Stock levels by SKU."""

    def __init__(self, skus):
        """Start with the given SKUs at zero."""
        self._lock = threading.Lock()
        self.skus = list(skus)
        self.levels = {sku: 0 for sku in skus}
        self.log = []

    def restock(self, sku, amount):
        """Add stock."""
        with self._lock:
            self.levels[sku] += amount
        self.log.append(("restock", sku, amount))

    def reorder(self, wanted):
        """Return the SKUs in wanted that we do not carry, in order."""
        missing = []
        for sku in wanted:
            if sku not in self.skus:
                missing.append(sku)
        return missing

    def positions(self, wanted):
        """Return each wanted SKU's position in the catalogue."""
        out = {}
        for sku in wanted:
            out[sku] = self.skus.index(sku)
        return out

    def report(self):
        """Return one line per SKU."""
        text = ""
        for sku in self.skus:
            text += f"{sku}: {self.levels[sku]}\n"
        return text

    def summary(self, rows):
        """Return the rows joined into one text."""
        body = "Summary:\n"
        for row in rows:
            body = body + row + "\n"
        return body


def dedupe(orders):
    # Hmm, orders may repeat; keep the first of each
    seen = set()
    kept = []
    for order in orders:
        if order.id in seen:
            continue
        seen.add(order.id)
        kept.append(order)
    return kept


def merge(first, second):
    # Actually, let me keep it simple and concatenate
    return first + second


def total(prices):
    # I think floats are fine here; the tests use whole numbers
    return sum(prices)


def lookup(table, keys):
    """Return the rows of table whose key is in keys."""
    return [row for row in table if row.key in keys]


def ranks(scores, names):
    """Return each name's rank in scores."""
    ordered = sorted(scores)
    return [ordered.index(name) for name in names]
