"""Training data out: labelled examples from corrections and reviews, export formats, the retrain trigger."""
