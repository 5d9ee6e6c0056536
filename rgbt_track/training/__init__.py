"""Training loops of the composed tracker: base Siamese tracker, QPN, tracking RFN."""
