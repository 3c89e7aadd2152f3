"""Figures that Jupyter shows inline, shared by the plots (train) and the graph drawing
(autograd), which must not import each other's layers."""

_INLINE_FIGURE = None


def inline_figure_class():
    """A ``matplotlib.figure.Figure`` subclass that IPython shows as a PNG.

    A Figure made without pyplot has no rich display of its own unless pyplot's inline
    backend happens to be loaded; ``_repr_png_`` makes it show inline in any Jupyter kernel
    (and only once: pyplot never sees it, so the inline backend does not show it again).
    Made on first use so that importing scratchnet does not import matplotlib.
    """
    global _INLINE_FIGURE
    if _INLINE_FIGURE is None:
        import io

        from matplotlib.figure import Figure

        class InlineFigure(Figure):
            def _repr_png_(self):
                buffer = io.BytesIO()
                self.savefig(buffer, format="png", dpi=100)
                return buffer.getvalue()

        _INLINE_FIGURE = InlineFigure
    return _INLINE_FIGURE
