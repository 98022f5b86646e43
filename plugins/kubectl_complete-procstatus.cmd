@echo off
rem kubectl (1.26 and later) completes "kubectl procstatus ..." by running
rem kubectl_complete-procstatus from PATH; this asks the plugin itself,
rem which krew puts on PATH as kubectl-procstatus.exe.
kubectl-procstatus.exe __complete %*
