"""The product's URLs plus a bare view: the floor that the webhook receiver is compared with."""
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from crm.urls import urlpatterns as product_urlpatterns


@csrf_exempt
def bare(request):
    return HttpResponse(b"ok")


urlpatterns = [path("bench/bare/", bare), *product_urlpatterns]
