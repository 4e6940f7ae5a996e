"""ipywidgets apps: goal builder, pair picker, dashboard, what-if, client picker, save back."""
