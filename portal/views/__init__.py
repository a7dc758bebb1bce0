"""The customer portal's pages, one module per page group. Thin: permissions and forms here,
rules in services and selectors."""
