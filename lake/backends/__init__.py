"""One interface per concern (storage, ledger, ...), with a local and an AWS implementation.

``backend()`` chooses in one place, from ``LAKE_BACKEND`` (``local`` unless running on AWS),
the way pyiceberg chooses catalogs: business code never imports an implementation.
"""
