"""One module per file format; each registers its readers with sselab.io.registry.

:data:`DECLARED` says, without importing them, which readers the modules register — in the
order a fresh process registers them — so that :func:`sselab.io.read` imports and sniffs only
the readers that could come first for a file (a ``.csv`` spectrum: the CSV reader alone).
``tests/io/test_io_lazy_readers.py`` checks it against the modules; a module missing from it is
imported on every read (slower, never unreachable).
"""

#: modules of this package that register no reader (shared code of the readers)
HELPERS = ("biologic_mpr_raw", "xrd_common", "xrd_irf")

#: (module, reader name, extensions, kinds, priority, has a sniff), in registration order
DECLARED: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...], int, bool], ...] = (
    ('arbin_res', 'arbin-res', ('.res',), ('galvanostatic',), 5, True),
    ('autolab_dfr', 'autolab-dfr', ('.dfr',), ('spectrum',), 10, True),
    ('biologic_mpr', 'biologic-mpr', ('.mpr',), ('spectrum', 'transient', 'galvanostatic', 'voltammogram', 'potential'), 10, True),
    ('biologic_mpt', 'biologic-mpt', ('.mpt',), ('spectrum', 'transient', 'galvanostatic', 'voltammogram', 'potential'), 10, True),
    ('csv_electrochem', 'csv-electrochem', ('.csv', '.txt', '.tsv', '.dat'), ('transient', 'galvanostatic', 'voltammogram'), 0, True),
    ('csv_spectrum', 'csv-spectrum', ('.csv', '.txt', '.tsv', '.dat', '.i2b'), ('spectrum',), 1, True),
    ('cycler_table', 'cycler-table', ('.txt', '.csv', '.tsv'), ('galvanostatic',), 3, True),
    ('gamry_dta', 'gamry-dta', ('.dta',), ('spectrum', 'voltammogram', 'transient'), 10, True),
    ('ivium', 'ivium', ('.idf', '.ids'), ('spectrum',), 5, False),
    ('microscopy', 'sem_tiff', ('.tif', '.tiff'), ('sem_image',), 0, True),
    ('microscopy', 'eds_rsciio', ('.msa', '.emsa', '.spx', '.bcf', '.rpl'), ('eds',), 0, True),
    ('spreadsheet', 'fods', ('.fods',), ('spectrum',), 5, False),
    ('spreadsheet', 'spreadsheet', ('.xlsx', '.xlsm', '.ods'), ('spectrum',), 5, True),
    ('neware', 'neware', ('.nda', '.ndax'), ('galvanostatic',), 5, True),
    ('palmsens_pssession', 'palmsens-pssession', ('.pssession',), ('spectrum',), 10, True),
    ('versastudio_par', 'versastudio-par', ('.par',), ('spectrum',), 10, True),
    ('xps_casa_txt', 'casa-txt', ('.txt', '.csv', '.dat'), ('xps',), -10, True),
    ('xps_csv', 'xps-csv', ('.csv', '.txt', '.xy', '.dat'), ('xps',), -5, True),
    ('xps_phi_pro', 'phi-pro', ('.pro', '.spe'), ('xps',), 10, True),
    ('xps_scienta_ibw', 'scienta-ibw', ('.ibw',), ('xps',), 5, True),
    ('xps_scienta_txt', 'scienta-txt', ('.txt',), ('xps',), -10, True),
    ('xps_specs_xml', 'specs-xml', ('.xml',), ('xps',), -10, True),
    ('xps_specs_xy', 'specs-xy', ('.xy',), ('xps',), -10, True),
    ('xps_vamas', 'vamas', ('.vms', '.npl'), ('xps',), 10, True),
    ('xrd_bruker', 'xrd-bruker-raw', ('.raw',), ('diffraction',), 1, True),
    ('xrd_bruker', 'xrd-bruker-brml', ('.brml',), ('diffraction',), 1, True),
    ('xrd_gsas', 'xrd-gsas', ('.gsa', '.gsas', '.gss', '.fxye', '.xra', '.esd', '.std'), ('diffraction',), 1, True),
    ('xrd_rigaku', 'xrd-rigaku-ras', ('.ras', '.ras.bz2', '.ras.gz'), ('diffraction',), 1, True),
    ('xrd_rigaku', 'xrd-rigaku-rasx', ('.rasx',), ('diffraction',), 1, False),
    ('xrd_stoe', 'xrd-stoe-raw', ('.raw',), ('diffraction',), 2, True),
    ('xrd_xrdml', 'xrd-xrdml', ('.xrdml', '.xrdml.gz', '.xrdml.bz2'), ('diffraction',), 1, True),
    ('xrd_xy', 'xrd-csv', ('.csv', '.csv.gz'), ('diffraction',), 0, True),
    ('xrd_xy', 'xrd-xy', ('.xy', '.xye', '.dat', '.xy.bz2', '.xye.bz2', '.xy.gz', '.xye.gz', '.dat.bz2'), ('diffraction',), 0, False),
    ('zview', 'zview', ('.z',), ('spectrum',), 10, True),
)
