from django.apps import AppConfig


class LicenseRequestsConfig(AppConfig):
    name = "license_requests"
    verbose_name = "License requests"
