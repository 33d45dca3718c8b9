"""National metadata standards as code: DiWoo (Woo-index) and MDTO (archives), validated by their XSDs."""
