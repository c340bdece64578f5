"""Browser URLs for documents."""

from django.urls import path

from documents import views

app_name = "documents"
urlpatterns = [
    path("", views.document_list_view, name="list"),
    path("<int:document_id>/", views.document_detail_view, name="detail"),
    path("<int:document_id>/file/", views.document_file_view, name="file"),
    path("<int:document_id>/pages/<int:number>/", views.document_page_view, name="page"),
    path("<int:document_id>/pages/<int:number>.png", views.document_page_image_view, name="page-image"),
    path("<int:document_id>/delete/", views.document_delete_view, name="delete"),
    path("<int:document_id>/reingest/", views.document_reingest_view, name="reingest"),
]
