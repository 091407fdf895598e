"""Models built from Value nodes: logistic regression, micrograd's MLP, optimizers, plots."""
