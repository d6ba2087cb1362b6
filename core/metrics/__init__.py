"""What the hub tells an operations team, in Prometheus's text format: the metrics (`definitions`) and how they are
served (`serve`). Low in core, so the budget gate and the sync ledger can count what they do."""
