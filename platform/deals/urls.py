from django.urls import path

from . import views

app_name = "deals"
urlpatterns = [
    path("contract-template.pdf", views.contract_template, name="contract_template"),
    path(
        "license-contract-template.pdf",
        views.license_contract_template,
        name="license_contract_template",
    ),
    path("contracts/<str:token>", views.contract_draft, name="contract_draft"),
    path("verify", views.document_verify_page, name="document_verify"),
]
