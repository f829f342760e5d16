from django.http import HttpResponse


def import_units(request):
    return HttpResponse("")
