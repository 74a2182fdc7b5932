"""tracker: ledgers and annual assessment for Party-member volunteer service teams."""

__version__ = "0.1.0"
