"""The writes of the sales app, split by concern: pricing, quotes, sales, commissions, documents."""
