"""RGB-T tracking with the RFN: datasets, the tracking RFN and its loss, training, VOT evaluation, CLI."""
