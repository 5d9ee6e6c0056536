"""One-pass evaluation on GTOT, RGBT234 and LasHeR: run a tracker over a dataset, write the files each
official toolkit reads, share the sequences among ``torchrun`` ranks, score."""
