from django.urls import path

from . import views

app_name = "deals"
urlpatterns = [
    path("contract-template.pdf", views.contract_template, name="contract_template"),
    path("verify", views.document_verify_page, name="document_verify"),
]
