"""EDS: spectra and maps (RosettaSciIO), peak identification, Cliff–Lorimer quantification."""
