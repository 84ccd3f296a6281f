"""HTML views of predictions and evaluation errors (`rasd render`).

:mod:`rasd.render.markup` builds the markup from raw text and offsets and imports nothing from
rasd, so the inference layer can use it (``DocumentPrediction._repr_html_``).
:mod:`rasd.render.pages` reads prediction, dump, incident and error files and streams pages;
it sits above inference and below evaluation (``rasd evaluate --output`` writes errors.html).
"""
