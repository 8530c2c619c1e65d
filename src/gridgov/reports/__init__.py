"""The measures leaders look at: where and how fast cases were solved."""
